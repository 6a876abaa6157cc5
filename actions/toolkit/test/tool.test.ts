import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Tool, ToolError, which } from '../src/tool';

let dir: string;
let script: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tool-test-'));
  script = join(dir, 'fake-tool');
  // A real executable that behaves like a CLI: argv echo, env echo, exit codes, stderr, sleep.
  writeFileSync(
    script,
    `#!/bin/sh
case "$1" in
  args) for a in "$@"; do printf '[%s]\\n' "$a"; done ;;
  env) printf 'SECRET=%s HOME_SET=%s PATH_SET=%s\\n' "\${SECRET-unset}" "\${HOME:+yes}" "\${PATH:+yes}" ;;
  plan) echo "changes"; exit 2 ;;
  fail) i=1; while [ $i -le 30 ]; do echo "stderr line $i" >&2; i=$((i+1)); done; exit 3 ;;
  sleep) sleep 5 ;;
  stdin) cat ;;
  lines) printf 'one\\ntwo\\nthree' ;;
esac
`,
  );
  chmodSync(script, 0o755);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Tool', () => {
  it('resolves the binary once and explains what is missing', () => {
    expect(which('sh')).toMatch(/\/sh$/);
    expect(() => Tool.find('definitely-not-a-tool-xyz', { installHint: 'Install it with apt.' })).toThrowError(
      /'definitely-not-a-tool-xyz' was not found on PATH .* Install it with apt\./,
    );
    expect(Tool.find('fake', { override: script }).path).toBe(script);
  });

  it('passes argv verbatim, with no shell interpretation', async () => {
    const tool = Tool.find('fake', { override: script });
    const result = await tool.run(['args', '$(id)', 'a b', '"q"', ';rm -rf /']);
    expect(result.stdout.trim().split('\n')).toEqual(['[args]', '[$(id)]', '[a b]', '["q"]', '[;rm -rf /]']);
    expect(result.outcome).toBe('ok');
  });

  it('gives the child only the allow-listed environment plus what is passed', async () => {
    process.env.SECRET = 'leaked';
    try {
      const tool = Tool.find('fake', { override: script });
      expect((await tool.run(['env'])).stdout.trim()).toBe('SECRET=unset HOME_SET=yes PATH_SET=yes');
      expect((await tool.run(['env'], { env: { SECRET: 'given' } })).stdout.trim()).toBe('SECRET=given HOME_SET=yes PATH_SET=yes');
    } finally {
      delete process.env.SECRET;
    }
  });

  it('maps tool-specific exit codes to outcomes', async () => {
    const tool = Tool.find('fake', { override: script, exitCodes: { 2: 'changes' } });
    const result = await tool.run(['plan']);
    expect(result).toMatchObject({ exitCode: 2, outcome: 'changes' });
    await expect(Tool.find('fake', { override: script }).run(['plan'])).rejects.toThrowError('fake plan failed with exit code 2');
  });

  it('puts the tail of stderr and the hint for the code in the error', async () => {
    const tool = Tool.find('fake', { override: script, failureHints: { 3: 'the widget is broken' }, stderrTail: 5 });
    const error = await tool.run(['fail']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    const message = (error as ToolError).message;
    expect(message).toContain('fake fail failed with exit code 3: the widget is broken');
    expect(message).toContain('stderr line 30');
    expect(message).toContain('stderr line 26');
    expect(message).not.toContain('stderr line 25');
    expect((error as ToolError).result?.stderr.split('\n').length).toBeGreaterThan(30);
  });

  it('kills a process that outlives its timeout', async () => {
    const tool = Tool.find('fake', { override: script });
    const started = Date.now();
    await expect(tool.run(['sleep'], { timeoutMs: 300 })).rejects.toThrowError(/fake sleep timed out after 300 ms/);
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('feeds stdin and streams complete lines to the callback', async () => {
    const tool = Tool.find('fake', { override: script });
    expect((await tool.run(['stdin'], { input: 'hello\n' })).stdout).toBe('hello\n');
    const lines: string[] = [];
    await tool.run(['lines'], { onStdoutLine: (l) => lines.push(l) });
    expect(lines).toEqual(['one', 'two', 'three']);
  });
});
