import Fastify from 'fastify';
import helmet from 'helmet';
import { describe, expect, it } from 'vitest';
import { securityHeadersOf, securityHeadersPlugin } from './security-headers.plugin.js';

async function appWith(trustProxy: boolean) {
  const app = Fastify({ trustProxy });
  await app.register(securityHeadersPlugin);
  app.get('/ok', async () => ({ ok: true }));
  app.get('/fails', async () => {
    throw Object.assign(new Error('refused'), { statusCode: 400 });
  });
  return app;
}

describe('security headers', () => {
  it('are the ones helmet sets for the same options, on answers, errors and unknown routes', async () => {
    const app = await appWith(false);
    try {
      const expected = new Map(securityHeadersOf().set);
      expect(expected.get('content-security-policy')).toContain("default-src 'self'");
      expect(expected.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
      expect(expected.get('x-content-type-options')).toBe('nosniff');
      expect(expected.get('x-frame-options')).toBe('SAMEORIGIN');
      for (const url of ['/ok', '/fails', '/nowhere']) {
        const response = await app.inject({ method: 'GET', url });
        for (const [name, value] of expected) expect(response.headers[name], `${url} ${name}`).toBe(value);
        expect(response.headers['strict-transport-security']).toBeUndefined();
        expect(response.headers['x-powered-by']).toBeUndefined();
      }
    } finally {
      await app.close();
    }
  });

  it('match what helmet itself writes for a default configuration', () => {
    const written = new Map<string, string>();
    helmet()(
      {} as never,
      { setHeader: (n: string, v: string) => written.set(n.toLowerCase(), v), removeHeader() {} } as never,
      () => {},
    );
    expect(new Map(securityHeadersOf({}).set)).toEqual(written);
  });

  it('add HSTS and upgrade-insecure-requests only to requests that came over https', async () => {
    const app = await appWith(true);
    try {
      const plain = await app.inject({ method: 'GET', url: '/ok' });
      expect(plain.headers['strict-transport-security']).toBeUndefined();
      const secure = await app.inject({
        method: 'GET',
        url: '/ok',
        headers: { 'x-forwarded-proto': 'https' },
      });
      expect(secure.headers['strict-transport-security']).toBe('max-age=31536000; includeSubDomains');
      expect(String(secure.headers['content-security-policy'])).toMatch(/;upgrade-insecure-requests$/);
      // The next plain request is not affected by the secure one.
      const again = await app.inject({ method: 'GET', url: '/ok' });
      expect(String(again.headers['content-security-policy'])).not.toContain('upgrade-insecure-requests');
    } finally {
      await app.close();
    }
  });
});
