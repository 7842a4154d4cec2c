import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
} from '../../test/support/server-app.js';
import { itIncidentDefinition } from '../../test/support/tickets.js';

let app: FastifyInstance;
let designer: string;

beforeAll(async () => {
  app = await buildTestApp('priority_rule_problems');
  const admin = await login(app, 'admin', ADMIN_PASSWORD);
  designer = (await createUser(app, admin, { username: 'designer.he', roles: ['designer'], locale: 'en' }))
    .token;
});
afterAll(async () => {
  await app.close();
});

describe('POST /api/ticket-types with priority rules missing their id', () => {
  it('names each rule without an id, not a missing matrix or an unknown "rules"', async () => {
    const definition = itIncidentDefinition();
    definition.priority = {
      rules: [
        { when: { '==': [{ var: 'data.impact' }, 'company'] }, priority: 'urgent' },
        { when: { '==': [{ var: 'requester.level' }, 'vip'] }, priority: 'high' },
        { when: true, priority: 'low' },
      ],
    };
    const { status, body } = await call(app, {
      method: 'POST',
      url: '/api/ticket-types',
      headers: bearer(designer),
      payload: definition,
    });
    // Saving a draft keeps it (problems reported by validate / publish) or refuses it: either way, the same words.
    const problems =
      status === 422
        ? (body.problems as { path: string; code: string; text: { en: string } }[])
        : ((
            await call(app, {
              method: 'POST',
              url: `/api/ticket-types/${String(definition.key)}/validate`,
              headers: bearer(designer),
            })
          ).body.problems as { path: string; code: string; text: { en: string } }[]);
    const priorityProblems = problems.filter((problem) => problem.path.startsWith('/priority'));
    expect(priorityProblems.map((problem) => problem.path)).toEqual([
      '/priority/rules/0/id',
      '/priority/rules/1/id',
      '/priority/rules/2/id',
    ]);
    for (const problem of priorityProblems) {
      expect(problem.code).toBe('definition.required');
      expect(problem.text.en).not.toMatch(/matrix/);
    }
  });
});
