import { generatePassword, type PasswordHasher } from './access/password.js';
import type { PeopleModels } from './models/index.js';
import { isDuplicateKey } from './lib/sequence.js';

export const BOOTSTRAP_ADMIN_USERNAME = 'admin';

export interface BootstrapOptions {
  models: PeopleModels;
  passwords: PasswordHasher;
  /** ORDO_ADMIN_PASSWORD; absent: a strong password is generated and printed once. */
  adminPassword?: string;
  now: number;
  /** Where the generated password is shown (stdout in production). */
  print: (text: string) => void;
}

export type BootstrapResult = { created: false } | { created: true; generatedPassword?: string };

function banner(password: string): string {
  const line = '='.repeat(72);
  return [
    '',
    line,
    '  Ordo created the first administrator.',
    `    username: ${BOOTSTRAP_ADMIN_USERNAME}`,
    `    password: ${password}`,
    '  This password is shown only this once. Sign in and change it, or set',
    '  ORDO_ADMIN_PASSWORD before the first start next time.',
    line,
    '',
    '',
  ].join('\n');
}

/**
 * On a database without users, create `admin`. Safe when several processes start at once: each may find no
 * users, but the unique index on `username` lets exactly one insert succeed, and only that one prints.
 */
export async function bootstrapAdmin(options: BootstrapOptions): Promise<BootstrapResult> {
  const { User } = options.models;
  if ((await User.countDocuments({})) > 0) return { created: false };
  const generatedPassword = options.adminPassword ? undefined : generatePassword();
  const password = await options.passwords.hash(options.adminPassword ?? generatedPassword!);
  const at = new Date(options.now);
  try {
    await User.create({
      username: BOOTSTRAP_ADMIN_USERNAME,
      displayName: 'Administrator',
      email: 'admin@localhost',
      roles: ['admin'],
      locale: 'zh-CN',
      active: true,
      password,
      createdAt: at,
      updatedAt: at,
    });
  } catch (error) {
    if (isDuplicateKey(error)) return { created: false };
    throw error;
  }
  if (generatedPassword) options.print(banner(generatedPassword));
  return generatedPassword ? { created: true, generatedPassword } : { created: true };
}
