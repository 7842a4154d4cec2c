/**
 * Ordering of pack versions by semantic-versioning precedence (semver.org §11): numbers compare numerically, a
 * pre-release sorts before its release, pre-release identifiers compare numerically when both are numbers.
 */

interface ParsedVersion {
  core: [number, number, number];
  prerelease: string[];
}

function parse(version: string): ParsedVersion {
  const [main = '', prerelease] = version.split(/-(.*)/s, 2);
  const parts = main.split('.').map((part) => Number(part));
  return {
    core: [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0],
    prerelease: prerelease === undefined || prerelease === '' ? [] : prerelease.split('.'),
  };
}

function compareIdentifiers(a: string, b: string): number {
  const numericA = /^[0-9]+$/.test(a);
  const numericB = /^[0-9]+$/.test(b);
  if (numericA && numericB) return Math.sign(Number(a) - Number(b));
  if (numericA) return -1;
  if (numericB) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Negative when `a` comes before `b`, positive after, 0 when they are the same version. */
export function compareVersions(a: string, b: string): number {
  const left = parse(a);
  const right = parse(b);
  for (let index = 0; index < 3; index += 1) {
    const difference = (left.core[index] ?? 0) - (right.core[index] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (left.prerelease.length === 0 || right.prerelease.length === 0) {
    return Math.sign(right.prerelease.length - left.prerelease.length);
  }
  const length = Math.max(left.prerelease.length, right.prerelease.length);
  for (let index = 0; index < length; index += 1) {
    const identifierA = left.prerelease[index];
    const identifierB = right.prerelease[index];
    if (identifierA === undefined) return -1;
    if (identifierB === undefined) return 1;
    const order = compareIdentifiers(identifierA, identifierB);
    if (order !== 0) return order;
  }
  return 0;
}

/** The highest of some versions; undefined for none. */
export function highestVersion(versions: readonly string[]): string | undefined {
  return versions.reduce<string | undefined>(
    (best, version) => (best === undefined || compareVersions(version, best) > 0 ? version : best),
    undefined,
  );
}
