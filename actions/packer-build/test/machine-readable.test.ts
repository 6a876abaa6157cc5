import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BuildStream, decodeDatum, parseRecord, parseVersion, type BuildEvent } from '../src/machine-readable';

// Recorded with the real Packer 1.6.6 by test/fixtures/record.sh.
const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', 'machine-readable', name), 'utf8');

function replay(text: string): { stream: BuildStream; events: BuildEvent[] } {
  const stream = new BuildStream();
  const events = text.split('\n').flatMap((line) => stream.push(line));
  return { stream, events };
}

describe('packer -machine-readable parser', () => {
  it('decodes commas and newlines inside data', () => {
    expect(decodeDatum('a%!(PACKER_COMMA)b\\nc')).toBe('a,b\nc');
    // "90%," is written as "90%%!(PACKER_COMMA)": the literal % stays.
    expect(decodeDatum('disk is 90%%!(PACKER_COMMA) almost full')).toBe('disk is 90%, almost full');
  });

  it('reads a record and ignores lines that are not records', () => {
    expect(parseRecord('1795735779,null.template,artifact,0,id,Null')).toEqual({ timestamp: 1795735779, target: 'null.template', type: 'artifact', data: ['0', 'id', 'Null'] });
    expect(parseRecord('plain text, not a record')).toBeUndefined();
  });

  it('turns a successful build into progress and artifacts', () => {
    const { stream, events } = replay(fixture('build-ok.txt'));
    const progress = events.filter((e) => e.kind === 'progress').map((e) => (e.kind === 'progress' ? e.text : ''));
    expect(progress).toContain('    null.template: building on pve2, vm 9001');
    expect(progress).toContain('    null.template (shell-local): converted to template');
    // a leading literal \n is dropped, not shown as an empty line
    expect(progress).toContain('==> Builds finished. The artifacts of successful builds are:');
    expect(stream.errors).toEqual([]);
    expect(stream.artifacts.map((a) => [a.index, a.builderId, a.id])).toEqual([
      [0, 'fnoeding.null', 'Null'],
      [1, 'fnoeding.null', 'Null'],
    ]);
    expect(stream.primaryArtifact()?.description).toBe('Did not export anything. This is the null builder');
    expect(events.filter((e) => e.kind === 'artifact')).toHaveLength(2);
  });

  it('reports a failed build as errors, with the error count', () => {
    const { stream, events } = replay(fixture('build-fail.txt'));
    expect(stream.errorCount).toBe(1);
    expect(stream.errors).toEqual([{ target: 'null.template', text: 'Script exited with non-zero exit status: 3.Allowed exit codes are: [0]' }]);
    expect(events.filter((e) => e.kind === 'error')).toHaveLength(1);
    expect(stream.uiErrors).toContain('==> null.template: disk is 90%, almost full');
    expect(stream.artifacts).toEqual([]);
  });

  it('keeps multi-line ui errors of a failure before the build (undeclared -var)', () => {
    const { stream } = replay(fixture('build-undeclared-var.txt'));
    expect(stream.errors).toEqual([]);
    expect(stream.uiErrors).toHaveLength(1);
    expect(stream.uiErrors[0]).toMatch(/^Error: Undefined -var variable\n\nA "nosuchvar" variable was passed/);
    expect(stream.uiErrors[0]).toContain('To declare variable "nosuchvar", place this block');
  });

  it('reads the version', () => {
    expect(parseVersion(fixture('version.txt'))).toBe('1.6.6');
    expect(parseVersion('Packer v1.11.2\n')).toBe('1.11.2');
  });
});
