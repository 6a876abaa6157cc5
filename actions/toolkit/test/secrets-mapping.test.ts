import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputError, parseSecretMapping, readBitwardenInputs, resolveServer } from '../src/index';

const A = '0f8fad5b-d9cb-469f-a165-70867728950e';
const B = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

let out: string[] = [];
beforeEach(() => {
  out = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error');
}

describe('parseSecretMapping', () => {
  it('reads one mapping per line, skipping blanks and comments, with 1-based line numbers', () => {
    const text = `# database\n${A} > DB_PASSWORD\r\n\n  ${B.toUpperCase()}>SSH_KEY  \n`;
    expect(parseSecretMapping(text)).toEqual([
      { id: A, name: 'DB_PASSWORD', line: 2 },
      { id: B, name: 'SSH_KEY', line: 4 },
    ]);
  });

  it.each([
    ['a line without >', `${A} > OK\nsome-pasted-s3cr3t-value`, 2, "'<secret-uuid> > NAME'"],
    ['two >', `${A} > A > B`, 1, "'<secret-uuid> > NAME'"],
    ['an id that is not a UUID', `\nnot-a-uuid-s3cr3t > NAME`, 2, 'a secret UUID'],
    ['a name that is not a variable name', `${A} > 1BAD-NAME`, 1, 'a variable name'],
    ['a repeated name', `${A} > X\n# c\n${B} > X`, 3, "'X' is also on line 1"],
  ])('rejects %s, naming the line and never echoing it', (_what, text, line, expected) => {
    const err = thrown(() => parseSecretMapping(text));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain("'bitwarden-secrets'");
    expect(err.message).toContain(`line ${line}`);
    expect(err.message).toContain(expected);
    expect(err.message).not.toContain('s3cr3t');
  });
});

describe('resolveServer', () => {
  it('maps the cloud regions and self-hosted base URLs', () => {
    expect(resolveServer('us')).toEqual({ apiUrl: 'https://api.bitwarden.com', identityUrl: 'https://identity.bitwarden.com' });
    expect(resolveServer('')).toEqual(resolveServer('us'));
    expect(resolveServer('EU')).toEqual({ apiUrl: 'https://api.bitwarden.eu', identityUrl: 'https://identity.bitwarden.eu' });
    expect(resolveServer('https://vault.example.org/bw/')).toEqual({
      apiUrl: 'https://vault.example.org/bw/api',
      identityUrl: 'https://vault.example.org/bw/identity',
    });
    expect(resolveServer('http://127.0.0.1:8087').apiUrl).toBe('http://127.0.0.1:8087/api');
    expect(resolveServer('http://localhost:8087').identityUrl).toBe('http://localhost:8087/identity');
    expect(resolveServer('http://[::1]:8087').apiUrl).toBe('http://[::1]:8087/api');
  });

  it.each([
    ['http://vault.example.org', 'loopback'],
    ['ftp://vault.example.org', "'us', 'eu'"],
    ['vault.example.org', "'us', 'eu'"],
    ['https://user:pw@vault.example.org', 'without credentials'],
  ])('refuses %s', (server, expected) => {
    const err = thrown(() => resolveServer(server));
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain("Input 'bitwarden-server'");
    expect(err.message).toContain(expected);
  });
});

describe('readBitwardenInputs', () => {
  const token = '0.ec2c1d46-6a4b-4751-a310-af9601317f2d.C2IgxjjLF7qSshsbwe8JGcbM075YXw:X8vbvA0bduihIDe/qrzIQQ==';

  it('is undefined when no secret is mapped, whatever else is set', () => {
    vi.stubEnv('INPUT_BITWARDEN-ACCESS-TOKEN', token);
    vi.stubEnv('INPUT_BITWARDEN-SECRETS', '# nothing yet\n');
    expect(readBitwardenInputs()).toBeUndefined();
  });

  it('returns the settings, with the token masked before anything else is printed', () => {
    // A token no other test has masked (masks are registered once per process).
    const token = '0.9a1b7f3e-2a4b-4751-a310-af9601317f2d.Q7IgxjjLF7qSshsbwe8JGcbM075YXw:Y8vbvA0bduihIDe/qrzIQQ==';
    vi.stubEnv('INPUT_BITWARDEN-ACCESS-TOKEN', token);
    vi.stubEnv('INPUT_BITWARDEN-SERVER', 'eu');
    vi.stubEnv('INPUT_BITWARDEN-SECRETS', `${A} > DB_PASSWORD\n`);
    const settings = readBitwardenInputs();
    expect(settings).toEqual({
      accessToken: token,
      server: 'eu',
      apiUrl: 'https://api.bitwarden.eu',
      identityUrl: 'https://identity.bitwarden.eu',
      mappings: [{ id: A, name: 'DB_PASSWORD', line: 1 }],
    });
    const lines = out.join('').split('\n');
    expect(lines[0]).toBe(`::add-mask::${token}`);
    // Each half of the token on its own, too.
    expect(lines).toContain('::add-mask::Q7IgxjjLF7qSshsbwe8JGcbM075YXw');
    expect(lines).toContain('::add-mask::Y8vbvA0bduihIDe/qrzIQQ==');
  });

  it('keeps the line numbers of the workflow block (leading blank lines are not trimmed away)', () => {
    vi.stubEnv('INPUT_BITWARDEN-ACCESS-TOKEN', token);
    vi.stubEnv('INPUT_BITWARDEN-SECRETS', `\n\n${A} > OK\n${B} NAME\n`);
    expect(thrown(() => readBitwardenInputs()).message).toContain('line 4');
  });

  it('requires the access token when secrets are mapped', () => {
    vi.stubEnv('INPUT_BITWARDEN-SECRETS', `${A} > DB_PASSWORD`);
    const err = thrown(() => readBitwardenInputs());
    expect(err).toBeInstanceOf(InputError);
    expect(err.message).toContain("Input 'bitwarden-access-token' is empty");
    expect(err.message).toContain('maps 1 secret(s)');
  });
});
