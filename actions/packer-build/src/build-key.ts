import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { writePrivateFile } from '@homelab/toolkit';

/**
 * A key pair for ONE build: Packer logs into the fresh VM with it and the image's cleanup script
 * removes its public half again. No long-lived private key has to live in Bitwarden or on the runner;
 * the private half is a 0600 file under RUNNER_TEMP, removed in the post step.
 */
export interface BuildKey {
  publicKey: string;
  privateKeyFile: string;
}

/** OpenSSH wire string: uint32 length + bytes. */
function sshString(data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  return Buffer.concat([length, data]);
}

export function ed25519PublicKeyLine(raw: Buffer, comment: string): string {
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/**
 * The private key in OpenSSH's own format ("openssh-key-v1", unencrypted), which both OpenSSH and
 * Go's x/crypto/ssh (Packer's communicator) read; OpenSSH does not read an ed25519 PKCS#8 PEM.
 */
export function openSshPrivateKey(seed: Buffer, pub: Buffer, comment: string, checkInt: number): string {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n >>> 0);
    return b;
  };
  const keyType = sshString(Buffer.from('ssh-ed25519'));
  const publicBlob = Buffer.concat([keyType, sshString(pub)]);
  let section = Buffer.concat([u32(checkInt), u32(checkInt), keyType, sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(Buffer.from(comment))]);
  const padding: number[] = [];
  for (let i = 1; (section.length + padding.length) % 8 !== 0; i++) padding.push(i);
  section = Buffer.concat([section, Buffer.from(padding)]);
  const body = Buffer.concat([
    Buffer.from('openssh-key-v1\0'),
    sshString(Buffer.from('none')),
    sshString(Buffer.from('none')),
    sshString(Buffer.alloc(0)),
    u32(1),
    sshString(publicBlob),
    sshString(section),
  ]);
  const lines = body.toString('base64').match(/.{1,70}/g) ?? [];
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines.join('\n')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

export function generateBuildKey(comment = 'packer-build-ephemeral'): { publicKey: string; privateKey: string } {
  const { privateKey } = generateKeyPairSync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  const pub = Buffer.from(String(jwk.x), 'base64url');
  const seed = Buffer.from(String(jwk.d), 'base64url');
  return { publicKey: ed25519PublicKeyLine(pub, comment), privateKey: openSshPrivateKey(seed, pub, comment, randomBytes(4).readUInt32BE()) };
}

export function writeBuildKey(): BuildKey {
  const { publicKey, privateKey } = generateBuildKey();
  return { publicKey, privateKeyFile: writePrivateFile('packer-build-key', privateKey) };
}
