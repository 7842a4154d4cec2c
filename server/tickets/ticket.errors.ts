import { HttpProblem } from '../lib/problem.js';

/** The ticket changed since the caller read it: 409 with the version it has now. */
export const staleVersion = (current: number): HttpProblem =>
  new HttpProblem(409, 'Conflict', {
    code: 'stale-version',
    field: 'body.version',
    text: {
      'zh-CN': `工单在您查看后已有变化，当前为第 ${current} 版。请刷新后重试。`,
      en: `The ticket has changed since you read it; it is now at version ${current}. Reload and try again.`,
    },
    extra: { currentVersion: current },
  });

/** The same Idempotency-Key was used before with another body. */
export const idempotencyMismatch = (): HttpProblem =>
  new HttpProblem(422, 'Unprocessable Entity', {
    code: 'idempotency-key-reused',
    field: 'header.idempotency-key',
    text: {
      'zh-CN': '此 Idempotency-Key 已用于另一个不同内容的请求。',
      en: 'This Idempotency-Key was already used with a different request body.',
    },
  });
