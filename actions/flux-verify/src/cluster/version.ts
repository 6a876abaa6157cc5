/** Flux release versions (`v2.9.4`, `2.9.4`, `v2.10.0-rc.1`) compared numerically. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
  prerelease: string;
}

export function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?$/.exec(text.trim());
  if (!m) return undefined;
  return { major: Number(m[1]), minor: Number(m[2]), patch: Number(m[3]), prerelease: m[4] ?? '' };
}

/** Negative when a < b, zero when equal, positive when a > b. A prerelease sorts before its release. */
export function compareVersions(a: Version, b: Version): number {
  return (
    a.major - b.major ||
    a.minor - b.minor ||
    a.patch - b.patch ||
    (a.prerelease === b.prerelease ? 0 : a.prerelease === '' ? 1 : b.prerelease === '' ? -1 : a.prerelease < b.prerelease ? -1 : 1)
  );
}

export function formatVersion(v: Version): string {
  return `v${v.major}.${v.minor}.${v.patch}${v.prerelease ? `-${v.prerelease}` : ''}`;
}
