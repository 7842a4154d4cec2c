import { HttpProblem } from '../lib/problem.js';

/** The ticket changed since the caller read it: 409 with the version it has now. */
export const staleVersion = (current: number): HttpProblem =>
  new HttpProblem(409, 'Conflict', {
    code: 'stale-version',
    field: 'body.version',
    detail: `The ticket has changed since you read it; it is now at version ${current}. Reload and try again.`,
    extra: { currentVersion: current },
  });

/** The same Idempotency-Key was used before with another body. */
export const idempotencyMismatch = (): HttpProblem =>
  new HttpProblem(422, 'Unprocessable Entity', {
    code: 'idempotency-key-reused',
    field: 'header.idempotency-key',
    detail: 'This Idempotency-Key was already used with a different request body.',
  });
