// The ansible tests (tests/ansible/, actions/ansible-k3s/test/) need, besides the Debian packages
// scripts/ensure-deps.mjs installs: the ssh client (the unreachable-host case runs real ssh; the
// Debian ansible-core package may satisfy its dependency with python3-paramiko instead) and the
// ansible.posix collection's jsonl callback (shipped in the Debian `ansible` package).
import { spawnSync } from 'node:child_process';

export async function ensure({ run, onPath }) {
  if (!onPath('ssh')) {
    if (process.getuid?.() !== 0) {
      console.error('setup: ssh is missing; install the Debian package: sudo apt-get install -y openssh-client');
      process.exit(1);
    }
    console.log('setup: installing openssh-client');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    run('apt-get', ['update', '-qq'], { env });
    run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'openssh-client'], { env });
  }
  const doc = spawnSync('ansible-doc', ['--type', 'callback', 'ansible.posix.jsonl'], { encoding: 'utf8' });
  if (doc.status !== 0) {
    console.error("setup: the ansible.posix.jsonl callback is missing: install the Debian 'ansible' package (7.x, with ansible.posix), not only ansible-core.");
    process.exit(1);
  }
}
