/**
 * A fresh Idempotency-Key: 128 random bits. `crypto.randomUUID` exists only on secure origins (https, localhost);
 * `getRandomValues` works on a plain-http intranet address as well.
 */
export function newIdempotencyKey(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
