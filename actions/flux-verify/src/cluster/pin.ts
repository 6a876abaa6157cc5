import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@homelab/toolkit';
import { formatVersion, parseVersion, type Version } from './version';

export interface PinnedVersion {
  version: Version;
  file: string;
  line: number;
}

const VERSION = /\bv?(\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)\b/;

/**
 * The Flux version pinned in the repository, in one place that Renovate updates: a
 * `# renovate: datasource=github-releases depName=fluxcd/flux2` comment in <cluster>/flux-system/,
 * with the version on the same line (before the comment) or on the next non-blank line. A
 * `# Flux Version: vX.Y.Z` header (as `flux bootstrap` writes in gotk-components.yaml) also counts.
 * Two different pins are an error: the install must not depend on which file is read first.
 */
export function findPinnedFluxVersion(fluxSystemDir: string): PinnedVersion | undefined {
  let names: string[];
  try {
    names = readdirSync(fluxSystemDir).filter((n) => /\.(ya?ml|txt|env)$/.test(n)).sort();
  } catch {
    return undefined;
  }
  const pins: PinnedVersion[] = [];
  for (const name of names) {
    const file = join(fluxSystemDir, name);
    const lines = readFileSync(file, 'utf8').split(/\r?\n/);
    lines.forEach((text, index) => {
      if (/renovate:.*depName=fluxcd\/flux2\b/.test(text)) {
        const before = text.slice(0, text.indexOf('#'));
        const same = VERSION.exec(before);
        if (same) {
          pins.push({ version: parseVersion(same[1]!)!, file, line: index + 1 });
          return;
        }
        for (let next = index + 1; next < lines.length; next++) {
          const candidate = lines[next]!;
          if (candidate.trim() === '') continue;
          const m = VERSION.exec(candidate);
          if (m) pins.push({ version: parseVersion(m[1]!)!, file, line: next + 1 });
          break;
        }
        return;
      }
      const header = /^#\s*Flux Version:\s*(\S+)/.exec(text);
      if (header) {
        const version = parseVersion(header[1]!);
        if (version) pins.push({ version, file, line: index + 1 });
      }
    });
  }
  if (pins.length === 0) return undefined;
  const first = pins[0]!;
  const other = pins.find((p) => formatVersion(p.version) !== formatVersion(first.version));
  if (other) {
    throw new UserError(
      `The Flux version is pinned twice with different values: ${formatVersion(first.version)} (${first.file}:${first.line}) and ${formatVersion(other.version)} (${other.file}:${other.line}).`,
      { file: other.file, line: other.line },
    );
  }
  return first;
}
