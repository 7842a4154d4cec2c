import { describe, expect, it } from 'vitest';
import { generatePassword, PASSWORD_PARAMETERS, PasswordHasher } from './password.js';
import { newApiKey, newSessionToken, parseApiKey, sha256 } from './tokens.js';

const cheap = new PasswordHasher({ N: 2 ** 10, r: 8, p: 1, keyLength: 64 });

describe('PasswordHasher', () => {
  it('hashes with the production parameters by default, stored beside a random salt', async () => {
    const hasher = new PasswordHasher();
    const stored = await hasher.hash('correct horse battery');
    expect(stored).toMatchObject({ algorithm: 'scrypt', ...PASSWORD_PARAMETERS });
    expect(Buffer.from(stored.salt, 'base64')).toHaveLength(16);
    expect(Buffer.from(stored.hash, 'base64')).toHaveLength(PASSWORD_PARAMETERS.keyLength);
    expect(await hasher.verify('correct horse battery', stored)).toBe(true);
  });

  it('accepts the right password and refuses a wrong one', async () => {
    const stored = await cheap.hash('s3cret-password');
    expect(await cheap.verify('s3cret-password', stored)).toBe(true);
    expect(await cheap.verify('s3cret-passwore', stored)).toBe(false);
    expect(await cheap.verify('', stored)).toBe(false);
  });

  it('salts: the same password hashes differently twice', async () => {
    const [one, two] = await Promise.all([cheap.hash('same'), cheap.hash('same')]);
    expect(one.hash).not.toBe(two.hash);
  });

  it('treats composed and decomposed forms of the same text as the same password', async () => {
    const stored = await cheap.hash('caf\u00e9-密码');
    expect(await cheap.verify('cafe\u0301-密码', stored)).toBe(true);
  });

  it('refuses when there is no stored hash (unknown user), after doing the same work', async () => {
    expect(await cheap.verify('anything', undefined)).toBe(false);
    expect(await cheap.verify('anything', null)).toBe(false);
  });

  it('verifies a hash made with other parameters, and asks for a re-hash', async () => {
    const older = await new PasswordHasher({ N: 2 ** 9, r: 8, p: 1, keyLength: 32 }).hash('kept');
    expect(await cheap.verify('kept', older)).toBe(true);
    expect(cheap.needsRehash(older)).toBe(true);
    expect(cheap.needsRehash(await cheap.hash('kept'))).toBe(false);
  });
});

describe('generatePassword', () => {
  it('makes 24 unambiguous letters and digits, different every time', () => {
    const passwords = new Set(Array.from({ length: 50 }, () => generatePassword()));
    expect(passwords.size).toBe(50);
    for (const password of passwords) expect(password).toMatch(/^[A-HJ-NP-Za-km-z2-9]{24}$/);
  });
});

describe('tokens', () => {
  it('makes 43-character session tokens and hex sha256 digests', () => {
    expect(newSessionToken()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('round-trips an API key and refuses malformed ones', () => {
    const { id, secret, key } = newApiKey();
    expect(parseApiKey(key)).toEqual({ id, secret });
    expect(parseApiKey(`  ${key}\n`)).toEqual({ id, secret });
    for (const bad of [
      '',
      'ordo_',
      `ordo_${id}`,
      `xordo_${id}_${secret}`,
      `ordo_${id.toUpperCase()}_${secret}`,
    ]) {
      expect(parseApiKey(bad)).toBeUndefined();
    }
  });
});
