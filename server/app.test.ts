import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, call } from '../test/support/server-app.js';

let app: FastifyInstance;

beforeAll(async () => {
  app = await buildTestApp('app');
});
afterAll(async () => {
  await app.close();
});

describe('unknown routes', () => {
  it('answer 404 problem+json, with or without the /api prefix', async () => {
    for (const url of ['/api/nothing-here', '/nothing-here']) {
      const { status, body, response } = await call(app, { method: 'GET', url });
      expect(status).toBe(404);
      expect(response.headers['content-type']).toContain('application/problem+json');
      expect(body).toMatchObject({ type: 'urn:ordo:problem:not-found', status: 404 });
    }
  });

  it('answer a wrong method on a known path with 404 problem+json too', async () => {
    const { status, response } = await call(app, { method: 'DELETE', url: '/api/me' });
    expect(status).toBe(404);
    expect(response.headers['content-type']).toContain('application/problem+json');
  });
});

describe('the built studio', () => {
  it('is served, its client-side routes load index.html, and API paths keep their 404', async () => {
    const studioDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-studio-test-'));
    await writeFile(path.join(studioDir, 'index.html'), '<!doctype html><title>Ordo</title>');
    const withStudio = await buildTestApp('app_studio', { studioDir });
    try {
      // Ticket type keys carry dots: /designer/it.incident is a page, not a missing file.
      for (const url of ['/', '/tickets/42', '/designer/it.incident', '/designer/hr.leave?tab=flow']) {
        const response = await withStudio.inject({ method: 'GET', url });
        expect(response.statusCode).toBe(200);
        expect(response.headers['content-type']).toContain('text/html');
        expect(response.body).toContain('<title>Ordo</title>');
      }
      for (const url of ['/api/nothing', '/assets/missing.js', '/favicon.ico', '/app.css']) {
        const missing = await withStudio.inject({ method: 'GET', url });
        expect(missing.statusCode).toBe(404);
        expect(missing.headers['content-type']).toContain('application/problem+json');
      }
    } finally {
      await withStudio.close();
      await rm(studioDir, { recursive: true, force: true });
    }
  });
});

describe('security headers', () => {
  it('are set on API answers', async () => {
    const { response } = await call(app, { method: 'GET', url: '/health' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['content-security-policy']).toContain("default-src 'self'");
  });
});

describe('GET /docs/json', () => {
  it('describes every route of the foundation with its request and every response', async () => {
    const { status, body } = await call(app, { method: 'GET', url: '/docs/json' });
    expect(status).toBe(200);
    expect(body.openapi).toMatch(/^3\./);
    const paths = body.paths as Record<
      string,
      Record<string, { responses: Record<string, unknown> } & object>
    >;
    const expected: [string, string, string[]][] = [
      ['/health', 'get', ['200', '503']],
      ['/api/auth/login', 'post', ['200', '400', '401', '429']],
      ['/api/auth/logout', 'post', ['204']],
      ['/api/me', 'get', ['200', '401', '403']],
      ['/api/me', 'patch', ['200', '400', '401']],
      ['/api/users', 'get', ['200', '400', '401', '403']],
      ['/api/users', 'post', ['201', '400', '401', '403', '409']],
      ['/api/users/{id}', 'get', ['200', '401', '403', '404']],
      ['/api/users/{id}', 'patch', ['200', '400', '401', '403', '404', '409']],
      ['/api/teams', 'get', ['200', '401', '403']],
      ['/api/teams', 'post', ['201', '400', '401', '403', '409']],
      ['/api/teams/{key}', 'get', ['200', '404']],
      ['/api/teams/{key}', 'put', ['200', '400', '404']],
      ['/api/teams/{key}', 'delete', ['204', '404', '409']],
      ['/api/api-keys', 'get', ['200', '401', '403']],
      ['/api/api-keys', 'post', ['201', '400', '401', '403']],
      ['/api/api-keys/{id}', 'delete', ['204', '404']],
    ];
    for (const [path, method, statuses] of expected) {
      const operation = paths[path]?.[method];
      expect(operation, `${method.toUpperCase()} ${path}`).toBeDefined();
      expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(statuses));
    }
    const login = paths['/api/auth/login']!.post as {
      requestBody: { content: Record<string, { schema: { required: string[] } }> };
      responses: Record<string, { content: Record<string, unknown> }>;
    };
    expect(login.requestBody.content['application/json']?.schema.required).toEqual(['username', 'password']);
    expect(login.responses['401']?.content).toHaveProperty(['application/problem+json']);
  });
});
