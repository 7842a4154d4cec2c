import { randomUUID } from 'node:crypto';
import type { Connection } from 'mongoose';
import { HttpProblem } from '../lib/problem.js';
import { ensureQueryIndexes } from '../lib/query-indexes.js';
import { writeGateOf } from '../lib/write-gate.js';

/**
 * Login limits that every process sees: the attempts are documents in the database (`login_attempts`), so two API
 * processes behind a proxy count together.
 *
 * - **Per address**: at most `perAddress` attempts a minute from one address (every attempt counts, as a password
 *   sprayer's successes would too); past it, 429 until the oldest attempt of the minute is a minute old.
 * - **Per account**: the failed attempts on one user name (existing or not — the answer does not tell) in the last
 *   FAILURE_WINDOW_MS. The first `freeFailures` cost nothing; each further one makes the next attempt wait twice as
 *   long as the one before (1 s, 2 s, 4 s… at most MAX_BACKOFF_MS), whatever address it comes from — a slow
 *   guesser from many addresses is held back, the owner who mistyped is not. A successful sign-in clears them.
 *
 * Each attempt is one insert (the commit point, as everywhere: no counter is updated in place, so concurrent
 * attempts on FerretDB, whose updates are not atomic, are never lost). Documents carry `expireAt`: a TTL index
 * removes them on MongoDB; FerretDB 1.24 has no TTL indexes (they came with FerretDB 2.0, FerretDB/FerretDB#2415),
 * so `sweep` (every minute, in every API process) deletes them by their stored time — and counts only look at
 * attempts inside their window anyway.
 */
export const LOGIN_ATTEMPTS_COLLECTION = 'login_attempts';

const ADDRESS_WINDOW_MS = 60_000;
export const FAILURE_WINDOW_MS = 15 * 60_000;
const FIRST_BACKOFF_MS = 1_000;
export const MAX_BACKOFF_MS = 15 * 60_000;

interface AttemptDoc {
  _id: string;
  /** `address:<ip>` (every attempt) or `account:<user name>` (failed attempts). */
  key: string;
  at: Date;
  expireAt: Date;
}

export interface LoginLimitOptions {
  /** Attempts a minute per address. */
  perAddress: number;
  /** Failed attempts on one account that cost no wait. */
  freeFailures: number;
}

export class LoginLimiter {
  constructor(
    private readonly db: Connection,
    private readonly now: () => number,
    private readonly options: LoginLimitOptions,
  ) {}

  private get attempts() {
    return this.db.collection<AttemptDoc>(LOGIN_ATTEMPTS_COLLECTION);
  }

  async ensureIndexes(): Promise<void> {
    await ensureQueryIndexes(this.db, LOGIN_ATTEMPTS_COLLECTION, [
      { key: 1, at: 1 },
      { key: { expireAt: 1 }, options: { expireAfterSeconds: 0 } },
    ]);
  }

  private async record(key: string, at: number, windowMs: number): Promise<void> {
    await writeGateOf(this.db).run(() =>
      this.attempts.insertOne({
        _id: randomUUID(),
        key,
        at: new Date(at),
        expireAt: new Date(at + windowMs),
      }),
    );
  }

  private async since(key: string, from: number): Promise<Date[]> {
    const docs = await this.attempts
      .find({ key, at: { $gte: new Date(from) } }, { projection: { at: 1 } })
      .toArray();
    return docs.map((doc) => doc.at).sort((a, b) => a.getTime() - b.getTime());
  }

  /**
   * Count this attempt against its address and refuse it (429, with Retry-After seconds) when the address is over
   * its limit or the account is waiting out its back-off. Run before the password is checked.
   */
  async admit(address: string, username: string): Promise<void> {
    const now = this.now();
    const addressKey = `address:${address}`;
    // Recorded first, then counted: attempts arriving at two processes at once both count.
    await this.record(addressKey, now, ADDRESS_WINDOW_MS);
    const recent = await this.since(addressKey, now - ADDRESS_WINDOW_MS);
    if (recent.length > this.options.perAddress) {
      const oldest = recent[recent.length - this.options.perAddress - 1]!.getTime();
      throw tooManyAttempts(oldest + ADDRESS_WINDOW_MS - now, 'address');
    }
    const waitMs = await this.backoffOf(username, now);
    if (waitMs > 0) throw tooManyAttempts(waitMs, 'account');
  }

  /** How long the account must still wait before its next attempt (0: it may try now). */
  async backoffOf(username: string, now = this.now()): Promise<number> {
    const failures = await this.since(`account:${username}`, now - FAILURE_WINDOW_MS);
    const over = failures.length - this.options.freeFailures;
    if (over <= 0) return 0;
    const wait = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (over - 1));
    return Math.max(0, failures[failures.length - 1]!.getTime() + wait - now);
  }

  /** A failed attempt on `username`. */
  async failed(username: string): Promise<void> {
    await this.record(`account:${username}`, this.now(), FAILURE_WINDOW_MS);
  }

  /** A successful sign-in: the account's failures are forgiven. */
  async succeeded(username: string): Promise<void> {
    await writeGateOf(this.db).run(() => this.attempts.deleteMany({ key: `account:${username}` }));
  }

  /** Delete attempts past their window (what a TTL index does on MongoDB). */
  async sweep(): Promise<void> {
    await writeGateOf(this.db).run(() =>
      this.attempts.deleteMany({ expireAt: { $lt: new Date(this.now()) } }),
    );
  }
}

function tooManyAttempts(waitMs: number, scope: 'address' | 'account'): HttpProblem {
  const seconds = Math.max(1, Math.ceil(waitMs / 1000));
  const en =
    scope === 'address'
      ? `Too many sign-in attempts from this address; try again in ${seconds} s.`
      : `Too many failed sign-ins for this user name; try again in ${seconds} s.`;
  const zh =
    scope === 'address'
      ? `此地址的登录尝试次数过多，请 ${seconds} 秒后再试。`
      : `该用户名登录失败次数过多，请 ${seconds} 秒后再试。`;
  return new HttpProblem(429, 'Too Many Requests', {
    code: scope === 'address' ? 'login-rate-limited' : 'login-backoff',
    field: scope === 'address' ? undefined : 'body.username',
    text: { 'zh-CN': zh, en },
    extra: { retryAfter: seconds },
  });
}
