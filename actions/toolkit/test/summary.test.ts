import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { annotate } from '../src/annotations';
import { escapeCell, mermaidId, Summary } from '../src/summary';
import { setOutput, writeJsonReport } from '../src/outputs';

describe('Summary', () => {
  it('builds tables that survive pipes and newlines in values', () => {
    const md = new Summary().heading('Plan').table(['address', 'action'], [['a|b', 'line1\nline2']]).toString();
    expect(md).toContain('## Plan');
    expect(md).toContain('| address | action |\n| --- | --- |\n| a\\|b | line1<br>line2 |');
    expect(escapeCell('x|y')).toBe('x\\|y');
  });

  it('renders details and fenced mermaid blocks, and skips empty tables', () => {
    const md = new Summary().table(['a'], []).details('More <info>', 'body').mermaid('graph LR\n  a --> b').toString();
    expect(md).not.toContain('| a |');
    expect(md).toContain('<details><summary>More &lt;info&gt;</summary>\n\nbody\n\n</details>');
    expect(md).toContain('```mermaid\ngraph LR\n  a --> b\n```');
    expect(mermaidId('infra/metallb-install')).toBe('n_infra_metallb_install');
  });

  it('appends to the job summary file in Actions', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'summary-'));
    const file = join(dir, 'summary.md');
    writeFileSync(file, '');
    process.env.GITHUB_STEP_SUMMARY = file;
    try {
      await new Summary().text('first').write();
      await new Summary().text('second').write();
      expect(readFileSync(file, 'utf8')).toBe('first\n\nsecond\n\n');
    } finally {
      delete process.env.GITHUB_STEP_SUMMARY;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('annotations and outputs', () => {
  it('prints workflow commands with file and line in Actions and file:line in a terminal', () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      process.env.GITHUB_ACTIONS = 'true';
      annotate({ severity: 'error', message: 'bad, really', file: 'k/a.yaml', line: 3, title: 'rule' });
      expect(String(out.mock.calls.at(-1)?.[0])).toBe('::error title=rule,file=k/a.yaml,line=3,endLine=3::bad, really\n');
      process.env.GITHUB_ACTIONS = '';
      annotate({ severity: 'error', message: 'bad', file: 'k/a.yaml', line: 3, column: 7 });
      expect(String(err.mock.calls.at(-1)?.[0])).toBe('k/a.yaml:3:7: error: bad\n');
    } finally {
      delete process.env.GITHUB_ACTIONS;
      out.mockRestore();
      err.mockRestore();
    }
  });

  it('writes objects as JSON outputs and a JSON report file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'outputs-'));
    const file = join(dir, 'out');
    writeFileSync(file, '');
    process.env.GITHUB_OUTPUT = file;
    try {
      setOutput('nodes', { a: 1 });
      setOutput('changed', true);
      const text = readFileSync(file, 'utf8');
      expect(text).toMatch(/nodes<<(.+)\n\{"a":1\}\n\1/);
      expect(text).toMatch(/changed<<(.+)\ntrue\n\1/);
      const report = writeJsonReport(join(dir, 'sub', 'report.json'), { findings: [] });
      expect(JSON.parse(readFileSync(report, 'utf8'))).toEqual({ findings: [] });
    } finally {
      delete process.env.GITHUB_OUTPUT;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
