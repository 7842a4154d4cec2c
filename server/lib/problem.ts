/**
 * Errors as RFC 9457 problem details. Handlers throw `HttpProblem`; the error plugin turns every error —
 * thrown, schema violation, malformed body, unknown route — into `application/problem+json` naming the field.
 */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  /** The failing input, e.g. `body.username`, `params.id`, `header.idempotency-key`. */
  field?: string;
  errors?: { field: string; message: string }[];
  [extra: string]: unknown;
}

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly options: {
      detail?: string;
      field?: string;
      code?: string;
      extra?: Record<string, unknown>;
    } = {},
  ) {
    super(options.detail ?? title);
  }

  toBody(): ProblemBody {
    const body: ProblemBody = {
      type: this.options.code ? `urn:ordo:problem:${this.options.code}` : 'about:blank',
      title: this.title,
      status: this.status,
    };
    if (this.options.detail) body.detail = this.options.detail;
    if (this.options.field) body.field = this.options.field;
    return { ...body, ...this.options.extra };
  }
}

export const badRequest = (field: string, detail: string, code = 'invalid-input'): HttpProblem =>
  new HttpProblem(400, 'Invalid input', { field, detail, code });
export const unauthorized = (detail = 'Sign in first'): HttpProblem =>
  new HttpProblem(401, 'Unauthorized', { detail, code: 'unauthorized' });
export const forbidden = (detail = 'You may not do this'): HttpProblem =>
  new HttpProblem(403, 'Forbidden', { detail, code: 'forbidden' });
export const notFound = (what = 'Resource'): HttpProblem =>
  new HttpProblem(404, 'Not found', { detail: `${what} not found`, code: 'not-found' });
export const conflict = (detail: string, extra?: Record<string, unknown>, field?: string): HttpProblem =>
  new HttpProblem(409, 'Conflict', { detail, code: 'conflict', extra, field });
