import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { publicLinkUrl, signLink, verifyLink, type LinkClaims } from './signed-link.js';

const SECRET = 'k'.repeat(40);
const NOW = Date.parse('2026-03-02T02:00:00Z');
const claims: LinkClaims = { ticketId: 't123', scope: 'confirm', expiresAt: NOW + 1000, round: NOW - 5 };

/** Flip one character of a base64url string to another valid one. */
const flip = (text: string, index: number) =>
  text.slice(0, index) + (text[index] === 'A' ? 'B' : 'A') + text.slice(index + 1);

describe('signed links', () => {
  it('round-trips the claims until the expiry instant', () => {
    const token = signLink(SECRET, claims);
    // Short enough for the router's path parameter limit (100).
    expect(token.length).toBeLessThan(100);
    expect(token).toMatch(/^1\.c\.[0-9a-z]+\.[0-9a-z]+\.t123\.[\w-]{22}$/);
    expect(verifyLink(SECRET, token, 'confirm', NOW)).toEqual({ ok: true, claims });
    expect(verifyLink(SECRET, token, 'confirm', NOW + 999)).toMatchObject({ ok: true });
    expect(verifyLink(SECRET, token, 'confirm', NOW + 1000)).toEqual({
      ok: false,
      reason: 'expired',
      claims,
    });
  });

  it('keeps survey links without a round', () => {
    const survey: LinkClaims = { ticketId: 't9', scope: 'survey', expiresAt: NOW + 1 };
    expect(verifyLink(SECRET, signLink(SECRET, survey), 'survey', NOW)).toEqual({ ok: true, claims: survey });
  });

  it.each([
    ['another secret', (token: string) => token, 'z'.repeat(40), 'confirm'],
    ['a changed claim', (token: string) => token.replace('.t123.', '.t124.'), SECRET, 'confirm'],
    [
      'a later expiry',
      (token: string) => token.replace(/^1\.c\.([0-9a-z]+)/, '1.c.zzzzzzzz'),
      SECRET,
      'confirm',
    ],
    ['a changed signature', (token: string) => flip(token, token.length - 2), SECRET, 'confirm'],
    ['a truncated signature', (token: string) => token.slice(0, -1), SECRET, 'confirm'],
    ['another scope', (token: string) => token, SECRET, 'survey'],
    ['garbage', () => 'not-a-token', SECRET, 'confirm'],
    [
      'claims swapped from another link',
      (token: string) =>
        signLink(SECRET, { ...claims, ticketId: 'other' }).split('.')[0] + '.' + token.split('.')[1],
      SECRET,
      'confirm',
    ],
  ] as const)('refuses %s as invalid', (_name, tamper, secret, scope) => {
    expect(verifyLink(secret, tamper(signLink(SECRET, claims)), scope, NOW)).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it.each([
    ['a future format', '2.c.zzzzzzzz.-.t1'],
    ['an unknown scope', '1.x.zzzzzzzz.-.t1'],
  ])('refuses correctly signed claims of another shape: %s', (_name, signed) => {
    // Signed with the right secret but not by signLink: a bug or an old format must not be trusted blindly.
    const mac = createHmac('sha256', SECRET).update(`ordo.public-link.${signed}`).digest().subarray(0, 16);
    expect(verifyLink(SECRET, `${signed}.${mac.toString('base64url')}`, 'confirm', NOW)).toEqual({
      ok: false,
      reason: 'invalid',
    });
  });

  it('refuses to put an id with other characters in a link', () => {
    expect(() => signLink(SECRET, { ...claims, ticketId: 'a.b' })).toThrow(/cannot be put in a link/);
  });

  it('builds the public page address', () => {
    expect(publicLinkUrl('https://desk.example.com/', 'survey', 'abc.def')).toBe(
      'https://desk.example.com/public/survey/abc.def',
    );
  });
});
