import { describe, expect, it } from 'vitest';
import { compareVersions, highestVersion } from './pack-version.js';

describe('compareVersions', () => {
  it.each([
    ['1.0.0', '1.0.0', 0],
    ['1.0.1', '1.0.0', 1],
    ['1.10.0', '1.9.0', 1],
    ['2.0.0', '10.0.0', -1],
    ['1.0.0-rc.1', '1.0.0', -1],
    ['1.0.0', '1.0.0-rc.1', 1],
    ['1.0.0-alpha', '1.0.0-alpha.1', -1],
    ['1.0.0-alpha.1', '1.0.0-alpha.beta', -1],
    ['1.0.0-beta.2', '1.0.0-beta.11', -1],
    ['1.0.0-beta', '1.0.0-alpha', 1],
    ['1.0.0-rc.1', '1.0.0-rc.1', 0],
  ])('orders %s against %s as %i (semver precedence)', (a, b, expected) => {
    expect(compareVersions(a, b)).toBe(expected);
    expect(compareVersions(b, a)).toBe(-expected || 0);
  });

  it('finds the highest of a list', () => {
    expect(highestVersion(['1.2.0', '1.10.0', '1.10.0-rc.1', '0.9.9'])).toBe('1.10.0');
    expect(highestVersion([])).toBeUndefined();
  });
});
