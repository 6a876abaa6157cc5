import type { HostKeyPolicy } from './inputs';

/**
 * OpenSSH options for the nodes' host keys. Host key checking is never turned off:
 *  - pinned: only the known_hosts lines the workflow gives (a file under RUNNER_TEMP) are trusted;
 *    a node with another key fails as unreachable ("Host key verification failed").
 *  - accept-new: trust on first use. A node's key is learned the first time and kept in the
 *    runner user's ~/.ssh/known_hosts, so a later change of key still fails the run.
 */
export function sshCommonArgs(policy: HostKeyPolicy, knownHostsFile?: string): string {
  if (policy === 'accept-new') return '-o StrictHostKeyChecking=accept-new';
  if (!knownHostsFile) throw new Error('host-key-policy pinned needs a known_hosts file');
  return ['-o StrictHostKeyChecking=yes', `-o UserKnownHostsFile=${shellQuote(knownHostsFile)}`, '-o GlobalKnownHostsFile=/dev/null'].join(' ');
}

/** Ansible splits ssh_common_args with shlex: quote a path so that spaces survive. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@%+=-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** known_hosts content as given, with each line checked to look like `<hosts> <keytype> <base64>`. */
export function normaliseKnownHosts(text: string): { content: string; problems: string[] } {
  const problems: string[] = [];
  const lines: string[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    const offset = fields[0]?.startsWith('@') ? 1 : 0;
    const type = fields[offset + 1] ?? '';
    const key = fields[offset + 2] ?? '';
    if (fields.length < offset + 3 || !/^(ssh-|ecdsa-|sk-)/.test(type) || !/^[A-Za-z0-9+/]+=*$/.test(key)) {
      problems.push(`line ${index + 1}: expected '<host>[,<host>...] <key-type> <base64 key>'`);
      return;
    }
    lines.push(line);
  });
  return { content: lines.join('\n') + '\n', problems };
}
