import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { failureAnnotations, stderrHint, verdict } from '../src/report';
import { parseAnsibleOutput, parseJsonDocument, parseJsonl, progressLine, resultMessage, splitTaskPath } from '../src/results';

// Recorded with the real ansible-playbook 2.14 here (test/fixtures/record.sh), against
// test/fixtures/playbooks/inventory.yml: healthy and broken (connection local), offline (SSH to
// 127.0.0.2 port 1). The recordings hold the paths of the machine they were made on.
const recorded = (name: string) => readFileSync(join(__dirname, 'fixtures', 'recorded', name), 'utf8');
const RECORDED_WORKSPACE = '/work/main';
const PROBE = 'actions/ansible-k3s/test/fixtures/playbooks/roles/probe/tasks/main.yml';

describe('parseJsonl on recorded ansible.posix.jsonl output', () => {
  const run = parseJsonl(recorded('mixed.jsonl'));

  it('reads the per-host stats', () => {
    expect(run.complete).toBe(true);
    expect(run.stats).toEqual({
      broken: { changed: 1, failures: 1, ignored: 1, ok: 4, rescued: 1, skipped: 1, unreachable: 0 },
      healthy: { changed: 1, failures: 0, ignored: 1, ok: 5, rescued: 1, skipped: 2, unreachable: 0 },
      offline: { changed: 0, failures: 0, ignored: 0, ok: 0, rescued: 0, skipped: 0, unreachable: 1 },
    });
    expect(run.plays).toEqual(['Mixed outcomes']);
    expect(run.strayLines).toEqual([]);
  });

  it('gives every result its outcome, and counts agree with the stats', () => {
    const count = (host: string, outcome: string) => run.results.filter((r) => r.host === host && r.outcome === outcome).length;
    expect(count('healthy', 'changed')).toBe(run.stats.healthy!.changed);
    expect(count('healthy', 'skipped')).toBe(run.stats.healthy!.skipped);
    expect(count('broken', 'skipped')).toBe(run.stats.broken!.skipped);
    expect(count('offline', 'unreachable')).toBe(1);
    const finish = run.results.filter((r) => r.task === 'probe : Finish').map((r) => r.host);
    expect(finish).toEqual(['healthy']);
  });

  it('tells fatal failures from ignored and rescued ones', () => {
    const fatal = run.failures.filter((f) => f.fatal).map((f) => [f.host, f.task, f.outcome, f.message]);
    expect(fatal).toEqual([
      ['offline', 'probe : Read the date', 'unreachable', 'Failed to connect to the host via ssh: ssh: connect to host 127.0.0.2 port 1: Connection refused'],
      ['broken', 'probe : Check the disk of the broken host', 'failed', 'disk /dev/sdb is missing on broken'],
    ]);
    const tolerated = run.failures.filter((f) => !f.fatal).map((f) => `${f.host}:${f.task}`);
    expect(tolerated.sort()).toEqual(
      ['broken:probe : Fail but carry on', 'broken:probe : Fail inside a block', 'healthy:probe : Fail but carry on', 'healthy:probe : Fail inside a block'].sort(),
    );
    const ignored = run.failures.find((f) => f.task === 'probe : Fail but carry on');
    expect(ignored?.message).toBe('non-zero return code (rc=1)');
  });

  it('keeps the task path for annotations', () => {
    const disk = run.failures.find((f) => f.fatal && f.host === 'broken')!;
    expect(splitTaskPath(disk.path)).toEqual({ file: `${RECORDED_WORKSPACE}/${PROBE}`, line: 30 });
    const annotations = failureAnnotations(run, RECORDED_WORKSPACE);
    const error = annotations.find((a) => a.severity === 'error' && a.line === 30);
    expect(error).toMatchObject({ file: PROBE, title: 'broken: probe : Check the disk of the broken host failed' });
    expect(error?.message).toContain('disk /dev/sdb is missing on broken');
    expect(annotations.filter((a) => a.severity === 'warning')).toHaveLength(4);
    // A path outside the workspace is named in the message, not used as an annotation file.
    const outside = failureAnnotations(run, '/elsewhere');
    expect(outside.every((a) => a.file === undefined)).toBe(true);
    expect(outside.find((a) => a.severity === 'error' && a.message.includes('disk'))?.message).toContain(`${PROBE}:30`);
  });
});

describe('the json callback document gives the same answer', () => {
  it('parses plays[].tasks[].hosts and stats', () => {
    const doc = parseJsonDocument(recorded('mixed.json'));
    const lines = parseJsonl(recorded('mixed.jsonl'));
    expect(doc.complete).toBe(true);
    expect(doc.stats).toEqual(lines.stats);
    const key = (f: { host: string; task: string; fatal: boolean }) => `${f.host}|${f.task}|${f.fatal}`;
    expect(doc.failures.map(key).sort()).toEqual(lines.failures.map(key).sort());
    expect(parseAnsibleOutput(recorded('mixed.json')).stats).toEqual(lines.stats);
    expect(parseAnsibleOutput(recorded('mixed.jsonl')).results).toHaveLength(lines.results.length);
  });
});

describe('other recordings', () => {
  it('a run with only a failed host (exit code 2)', () => {
    const run = parseJsonl(recorded('failed.jsonl'));
    expect(Object.keys(run.stats)).toEqual(['broken', 'healthy']);
    expect(run.failures.filter((f) => f.fatal).map((f) => f.host)).toEqual(['broken']);
    expect(verdict(2, run).message).toBe('ansible-playbook exit code 2: a task failed on broken.');
  });

  it('a clean run', () => {
    const run = parseJsonl(recorded('ok.jsonl'));
    expect(run.failures).toEqual([]);
    expect(run.stats.healthy).toMatchObject({ ok: 2, changed: 1, skipped: 1, failures: 0 });
    expect(verdict(0, run)).toEqual({ ok: true, message: 'Playbook finished on 2 host(s).' });
  });

  it('an interrupted stream: no stats, every failure counts as fatal, stray lines kept', () => {
    const lines = recorded('mixed.jsonl').trim().split('\n');
    const cut = ['[WARNING]: something printed on stdout', ...lines.slice(0, -1)].join('\n');
    const run = parseJsonl(cut);
    expect(run.complete).toBe(false);
    expect(run.stats).toEqual({});
    expect(run.failures.every((f) => f.fatal)).toBe(true);
    expect(run.strayLines).toEqual(['[WARNING]: something printed on stdout']);
    expect(verdict(4, run).message).toContain('offline could not be reached');
    expect(verdict(1, parseJsonl('')).message).toBe('ansible-playbook exit code 1 (an error stopped Ansible).');
  });
});

describe('verdict', () => {
  const mixed = parseJsonl(recorded('mixed.jsonl'));
  it('names failed and unreachable hosts for exit code 4', () => {
    const v = verdict(4, mixed);
    expect(v.ok).toBe(false);
    expect(v.message).toMatch(/^ansible-playbook exit code 4: a task failed on broken; offline could not be reached over SSH/);
  });
  it('says a parse error when exit code 4 comes without any host', () => {
    expect(verdict(4, parseJsonl('')).message).toContain('could not be parsed');
  });
  it('fails a run that matched no host', () => {
    const empty = parseJsonl('{"_event":"v2_playbook_on_stats","stats":{}}');
    expect(verdict(0, empty).ok).toBe(false);
  });
  it('reports a timeout', () => {
    expect(verdict(-1, mixed, '1 min 0 s').message).toContain('stopped after 1 min 0 s');
  });
});

describe('stderrHint', () => {
  it('explains the errors that come without any result', () => {
    // As ansible-playbook 2.14 prints them.
    expect(stderrHint('ERROR! Invalid callback for stdout specified: ansible.posix.jsonl\n')).toContain('ansible-galaxy collection install ansible.posix');
    expect(stderrHint('ERROR! No inventory was parsed, please check your configuration and options.\n')).toContain('inventory could not be parsed');
    expect(stderrHint('ERROR! the playbook: x.yml could not be found')).toBeUndefined();
  });
});

describe('messages and progress', () => {
  it('takes the failed item of a loop', () => {
    const message = resultMessage({
      msg: 'One or more items failed',
      failed: true,
      results: [
        { item: 'kubectl', failed: false, msg: '' },
        { item: 'crictl', failed: true, msg: 'refusing to convert from file to symlink', rc: 1 },
      ],
    });
    expect(message).toBe('item crictl: refusing to convert from file to symlink (rc=1)');
    expect(resultMessage({ failed: true, rc: 2, stderr: 'a\nb\nc\nd\ne\nf\ng' })).toBe('(rc=2) c\nd\ne\nf\ng');
  });

  it('turns each recorded event into a log line', () => {
    const out = recorded('mixed.jsonl')
      .split('\n')
      .map(progressLine)
      .filter((l): l is string => l !== undefined);
    expect(out[0]).toBe('PLAY [Mixed outcomes]');
    expect(out).toContain('TASK [probe : Touch a marker]');
    expect(out).toContain('  changed: healthy');
    expect(out).toContain('  failed: broken: disk /dev/sdb is missing on broken');
    expect(out.at(-1)).toContain('offline: ok=0 changed=0 failed=0 unreachable=1');
    expect(progressLine('not json')).toBeUndefined();
  });
});
