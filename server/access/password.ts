import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { dictionary } from '@zxcvbn-ts/language-common';
import { badRequest } from '../lib/problem.js';

export interface PasswordParameters {
  /** CPU/memory cost (a power of two). */
  N: number;
  r: number;
  p: number;
  keyLength: number;
}

/** A stored password: the scrypt parameters travel with the hash, so they can be raised later. */
export interface PasswordHash extends PasswordParameters {
  algorithm: 'scrypt';
  /** base64 */
  salt: string;
  /** base64 */
  hash: string;
}

/**
 * OWASP's scrypt equivalent of N=2^17,r=8,p=1 that needs 32 MiB instead of 128 MiB per hash, so a burst of
 * sign-ins does not exhaust a small server's memory.
 */
export const PASSWORD_PARAMETERS: PasswordParameters = { N: 2 ** 15, r: 8, p: 3, keyLength: 64 };

export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 200;

/**
 * Common passwords (zxcvbn-ts's list of ~49,000 from public breaches, maintained on npm as
 * `@zxcvbn-ts/language-common`), lower-cased; only those long enough to pass the length rule matter.
 */
const COMMON_PASSWORDS: ReadonlySet<string> = new Set(
  dictionary['passwords-common']
    .filter((word) => word.length >= PASSWORD_MIN_LENGTH)
    .map((word) => word.toLowerCase()),
);

export type PasswordWeakness = 'common' | 'username';

/**
 * Why a new password is too weak, beyond its length (which the route schemas check): one of the common
 * passwords attackers try first, or the person's own user name (either ignoring case and surrounding spaces).
 */
export function passwordWeakness(password: string, username?: string): PasswordWeakness | undefined {
  const folded = password.normalize('NFC').trim().toLowerCase();
  if (username && folded === username.trim().toLowerCase()) return 'username';
  if (COMMON_PASSWORDS.has(folded)) return 'common';
  return undefined;
}

/** Refuse a weak new password with a 400 naming the field, in both languages. */
export function requireStrongPassword(password: string, username: string | undefined, field: string): void {
  const weakness = passwordWeakness(password, username);
  if (weakness === 'username')
    throw badRequest(
      field,
      { 'zh-CN': '密码不能与用户名相同', en: 'The password must not be the user name' },
      'password-username',
    );
  if (weakness === 'common')
    throw badRequest(
      field,
      {
        'zh-CN': '这是一个常见密码，很容易被猜到，请换一个',
        en: 'This is a common password that is easy to guess; choose another one',
      },
      'password-common',
    );
}

function derive(password: string, salt: Buffer, parameters: PasswordParameters): Promise<Buffer> {
  const { N, r, p, keyLength } = parameters;
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, keyLength, { N, r, p, maxmem: 256 * N * r }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Hashes and checks passwords with one set of scrypt parameters (tests use cheaper ones to run quickly). */
export class PasswordHasher {
  // Compared against when there is no stored hash (unknown user, no password set), so a wrong username costs
  // the same scrypt time as a wrong password and the response time does not tell which one was wrong.
  private decoy: Promise<PasswordHash> | undefined;

  constructor(readonly parameters: PasswordParameters = PASSWORD_PARAMETERS) {}

  async hash(password: string): Promise<PasswordHash> {
    const salt = randomBytes(16);
    const key = await derive(password, salt, this.parameters);
    return {
      algorithm: 'scrypt',
      ...this.parameters,
      salt: salt.toString('base64'),
      hash: key.toString('base64'),
    };
  }

  /** Constant-time check; false for a missing hash, after spending the same time as a real check. */
  async verify(password: string, stored: PasswordHash | null | undefined): Promise<boolean> {
    const target = stored ?? (await (this.decoy ??= this.hash(randomBytes(24).toString('base64'))));
    const expected = Buffer.from(target.hash, 'base64');
    const actual = await derive(password, Buffer.from(target.salt, 'base64'), target);
    const same = actual.length === expected.length && timingSafeEqual(actual, expected);
    return Boolean(stored) && same;
  }

  /** True when a hash was made with other parameters than today's: re-hash it at the next sign-in. */
  needsRehash(stored: PasswordHash): boolean {
    const { N, r, p, keyLength } = this.parameters;
    return stored.N !== N || stored.r !== r || stored.p !== p || stored.keyLength !== keyLength;
  }
}

/** A password for the first admin when none is configured: 24 letters and digits, ~140 bits. */
export function generatePassword(length = 24): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789';
  const limit = 256 - (256 % alphabet.length);
  let password = '';
  while (password.length < length) {
    for (const byte of randomBytes(length * 2)) {
      // Rejection sampling keeps every letter equally likely.
      if (byte < limit && password.length < length) password += alphabet[byte % alphabet.length];
    }
  }
  return password;
}
