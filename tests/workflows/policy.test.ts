// The workflow security policy (tests/workflows/policy.ts): every real workflow passes it, and
// every rule is proven by a bad fixture that it rejects, with the right line.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkWorkflow, formatFindings, runnerKind, triggers, type Rule } from './policy';

const here = fileURLToPath(new URL('.', import.meta.url));
const repoRoot = join(here, '..', '..');
const workflowsDir = join(repoRoot, '.github', 'workflows');
const badDir = join(here, 'fixtures', 'bad');
const goodDir = join(here, 'fixtures', 'good');

const yamlFiles = (dir: string) => readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort();

const ALL_RULES: Rule[] = [
  'yaml',
  'top-permissions',
  'self-hosted-untrusted-trigger',
  'pull-request-target',
  'unpinned-action',
  'checkout-credentials',
  'untrusted-expression-in-run',
  'infra-concurrency',
  'self-hosted-environment',
  'secrets-in-untrusted-workflow',
];

describe('the repository workflows', () => {
  const files = yamlFiles(workflowsDir);

  it('are the three the project runs', () => {
    expect(files).toEqual(expect.arrayContaining(['ci.yml', 'infra-rebuild.yml', 'kubernetes-pr.yml']));
  });

  it.each(files)('%s passes every rule', (file) => {
    const findings = checkWorkflow(`.github/workflows/${file}`, readFileSync(join(workflowsDir, file), 'utf8'));
    expect(formatFindings(findings)).toBe('');
  });
});

describe('bad fixtures: each is rejected for its rule, and only that rule', () => {
  const fixtures = yamlFiles(badDir).map((file) => {
    const text = readFileSync(join(badDir, file), 'utf8');
    const rule = /^# expect: ([\w-]+)/m.exec(text)?.[1] as Rule | undefined;
    return { file, text, rule };
  });

  it('cover every rule (the YAML rule is proven inline below: a broken fixture file would trip the repository yamllint)', () => {
    expect(new Set(fixtures.map((f) => f.rule))).toEqual(new Set(ALL_RULES.filter((r) => r !== 'yaml')));
  });

  it('duplicate keys are rejected (GitHub would take the last one silently)', () => {
    const text = 'name: duplicate key\non: push\npermissions: {}\npermissions: write-all\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n';
    const findings = checkWorkflow('dup.yml', text);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['yaml', 4]]);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s', (_name, f) => {
    expect(f.rule, `${f.file} has no "# expect: <rule>" header`).toBeDefined();
    const findings = checkWorkflow(f.file, f.text);
    expect(findings.length, formatFindings(findings)).toBeGreaterThan(0);
    expect([...new Set(findings.map((x) => x.rule))], formatFindings(findings)).toEqual([f.rule]);
    for (const finding of findings) {
      expect(finding.file).toBe(f.file);
      expect(finding.line).toBeGreaterThan(1);
      expect(finding.message.length).toBeGreaterThan(20);
    }
  });
});

describe('good fixtures: allowed patterns are not flagged', () => {
  it.each(yamlFiles(goodDir))('%s', (file) => {
    const findings = checkWorkflow(file, readFileSync(join(goodDir, file), 'utf8'));
    expect(formatFindings(findings)).toBe('');
  });
});

describe('finding locations', () => {
  it('points at the offending line', () => {
    const text = [
      'name: x', // 1
      'on: pull_request', // 2
      'permissions: {}', // 3
      'jobs:', // 4
      '  a:', // 5
      '    runs-on: ubuntu-latest', // 6
      '    steps:', // 7
      '      - uses: actions/cache@v4', // 8
      '      - run: |', // 9
      '          echo ok', // 10
      '          echo "${{ github.event.issue.title }}"', // 11
    ].join('\n');
    const findings = checkWorkflow('x.yml', text);
    expect(findings.map((f) => [f.rule, f.line])).toEqual([
      ['unpinned-action', 8],
      ['untrusted-expression-in-run', 9],
    ]);
  });

  it('reports every violation of a workflow in one pass', () => {
    const text = 'on: pull_request_target\njobs:\n  a:\n    runs-on: self-hosted\n    steps:\n      - uses: actions/checkout@v4\n';
    const rules = checkWorkflow('x.yml', text).map((f) => f.rule).sort();
    expect(rules).toEqual(['checkout-credentials', 'infra-concurrency', 'pull-request-target', 'self-hosted-environment', 'self-hosted-untrusted-trigger', 'top-permissions', 'unpinned-action']);
  });
});

describe('helpers', () => {
  it('reads every form of on:', () => {
    expect(triggers('push')).toEqual(['push']);
    expect(triggers(['push', 'pull_request'])).toEqual(['push', 'pull_request']);
    expect(triggers({ pull_request: null, workflow_dispatch: {} })).toEqual(['pull_request', 'workflow_dispatch']);
  });

  it('classifies runners', () => {
    expect(runnerKind('ubuntu-latest')).toBe('hosted');
    expect(runnerKind(['self-hosted', 'linux', 'vlan10'])).toBe('self-hosted');
    expect(runnerKind('Self-Hosted')).toBe('self-hosted');
    expect(runnerKind({ labels: ['ubuntu-latest'] })).toBe('hosted');
    expect(runnerKind({ group: 'lab' })).toBe('self-hosted');
    expect(runnerKind('${{ matrix.os }}')).toBe('unknown');
    expect(runnerKind(undefined)).toBe('unknown');
  });
});
