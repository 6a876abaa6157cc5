import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '@homelab/toolkit';
import { describe, expect, it } from 'vitest';
import { backendValues, renderBackendConfig } from '../src/backend';
import { formatDiagnostics, isProviderInstallError, parseDiagnostics, parseLockError } from '../src/diagnostics';
import { parseDuration } from '../src/inputs';
import { parseTemplateIds } from '../src/template-ids';

// Real terraform error output recorded by test/fixtures/record-plans.mjs.
const recorded = (name: string) => readFileSync(join(__dirname, 'fixtures', 'errors', `${name}.txt`), 'utf8');

describe('terraform diagnostics', () => {
  it('reads the lock holder from a real "Error acquiring the state lock"', () => {
    const lock = parseLockError(recorded('state-locked'));
    expect(lock).toMatchObject({ path: '<tmp>/nodes.tfstate', operation: 'OperationTypeApply', version: '1.11.4', message: 'resource temporarily unavailable' });
    expect(lock?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(lock?.who).toMatch(/@/);
    expect(lock?.info).toBeUndefined();
    expect(parseLockError(recorded('invalid-variable'))).toBeUndefined();
  });

  it('splits a real variable validation failure into summary, file, line and the rule message', () => {
    const [d, ...rest] = parseDiagnostics(recorded('invalid-variable'));
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ severity: 'error', summary: 'Invalid value for variable', file: 'main.tf', line: 16 });
    expect(d?.detail).toContain('var.template_ids is map of number with 2 elements');
    expect(formatDiagnostics([d!])).toMatch(/^Error: Invalid value for variable\n\s+on main.tf line 16:[\s\S]*every template VM id must be 100 or more/);
  });

  it('recognises a real provider installation failure', () => {
    const diagnostics = parseDiagnostics(recorded('provider-install'));
    expect(diagnostics.map((d) => d.summary)).toEqual(['Failed to query available provider packages']);
    expect(isProviderInstallError(diagnostics)).toBe(true);
    expect(isProviderInstallError(parseDiagnostics(recorded('invalid-variable')))).toBe(false);
  });

  it('reads the resource a real apply error belongs to, with -no-color and in the boxed form', () => {
    const text = recorded('resource-error');
    const expected = { severity: 'error', summary: 'local-exec provisioner error', address: 'terraform_data.clone', file: 'main.tf', line: 14 };
    expect(parseDiagnostics(text)).toEqual([expect.objectContaining(expected)]);
    expect(parseDiagnostics(text)[0]?.detail).toContain('Output: storage local-lvm does not exist on pve1');
    // Without -no-color terraform frames each diagnostic with box-drawing characters.
    const boxed = text
      .trim()
      .split('\n')
      .map((l) => `│ ${l}`)
      .join('\n');
    expect(parseDiagnostics(`╷\n${boxed}\n╵\n`)).toEqual([expect.objectContaining(expected)]);
  });
});

describe('template-ids input', () => {
  it("accepts packer-build's templates output, a plain JSON map and key=value lines", () => {
    const packer = JSON.stringify({ pve1: { vmid: 9000, name: 'ubuntu-k3s', built: true }, pve2: { vmid: 9001, skipped: true } });
    expect(parseTemplateIds(packer)).toEqual({ pve1: 9000, pve2: 9001 });
    expect(parseTemplateIds('{"pve1": 9000, "pve2": "9001"}')).toEqual({ pve1: 9000, pve2: 9001 });
    expect(parseTemplateIds('# from packer\npve1=9000\n pve2 = 9001 \n')).toEqual({ pve1: 9000, pve2: 9001 });
    expect(parseTemplateIds('  ')).toBeUndefined();
  });

  it('names the host and line of a bad value', () => {
    expect(() => parseTemplateIds('pve1=9000\npve2=abc')).toThrow(/template VM id \(a whole number\) for 'pve2' on line 2/);
    expect(() => parseTemplateIds('pve1=9000\npve1=9001')).toThrow(/'pve1' repeats on line 2/);
    expect(() => parseTemplateIds('{"pve1": {"name": "x"}}')).toThrow(InputError);
    expect(() => parseTemplateIds('{"pve1": 9000')).toThrow(/a JSON object/);
    expect(() => parseTemplateIds('pve1 9000')).toThrow(/'host=vmid' on line 1/);
  });
});

describe('backend configuration file', () => {
  it('writes an S3-compatible backend with path-style addressing and no credentials', () => {
    const text = renderBackendConfig({ bucket: 'tf-state', key: 'homelab/k3s.tfstate', endpoint: 'https://minio.lan:9000', extra: {} })!;
    expect(text).toContain('bucket = "tf-state"');
    expect(text).toContain('endpoints = { s3 = "https://minio.lan:9000" }');
    expect(text).toContain('use_path_style = true');
    expect(text).toContain('region = "us-east-1"');
    expect(text).not.toMatch(/access_key|secret_key/);
  });

  it('lets extra settings win, types booleans and numbers, and escapes template sequences', () => {
    const values = backendValues({ region: 'eu-west-1', extra: { region: 'x', max_retries: '2', encrypt: 'true', path: '/srv/${HOME}/%{x}' } });
    expect(values).toEqual({ region: 'x', max_retries: 2, encrypt: true, path: '/srv/${HOME}/%{x}' });
    expect(renderBackendConfig({ extra: { path: '/srv/${HOME}/%{x}' } })).toContain('path = "/srv/$${HOME}/%%{x}"');
    expect(renderBackendConfig({ extra: {} })).toBeUndefined();
  });
});

describe('durations', () => {
  it('parses 90s, 5m, 1h and rejects the rest with the input name', () => {
    expect(parseDuration('timeout', '90s')).toBe(90_000);
    expect(parseDuration('timeout', '5m')).toBe(300_000);
    expect(parseDuration('timeout', '1h')).toBe(3_600_000);
    expect(() => parseDuration('lock-timeout', '5 minutes')).toThrow(/Input 'lock-timeout' is '5 minutes'/);
  });
});
