/** Schemas shared by route files: ids, the problem body, and the error responses every route declares. */

export const objectIdSchema = {
  type: 'string',
  pattern: '^[0-9a-f]{24}$',
  description: 'A record id (24 hexadecimal characters)',
} as const;

export const localizedTextSchema = {
  type: 'object',
  required: ['zh-CN', 'en'],
  additionalProperties: false,
  properties: {
    'zh-CN': { type: 'string', minLength: 1, maxLength: 200 },
    en: { type: 'string', minLength: 1, maxLength: 200 },
  },
} as const;

/** RFC 9457 problem details as the error plugin sends them. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status'],
  additionalProperties: true,
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    field: { type: 'string', description: 'The failing input, e.g. body.username' },
    errors: {
      type: 'array',
      description: 'Every problem when there are several (the first is also `field` and `text`)',
      items: {
        type: 'object',
        properties: {
          field: { type: 'string' },
          code: { type: 'string', description: 'Stable reason, e.g. form.required' },
          message: { type: 'string', description: 'In the reader’s language' },
          text: {
            type: 'object',
            properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
          },
        },
      },
    },
    text: {
      type: 'object',
      description: 'The message in each language',
      properties: { 'zh-CN': { type: 'string' }, en: { type: 'string' } },
    },
  },
} as const;

const ERROR_DESCRIPTIONS = {
  400: 'Invalid input; `field` names it',
  401: 'Not signed in, or the session or API key is no longer valid',
  403: 'Signed in, but not allowed to do this',
  404: 'Not found',
  409: 'Conflicts with what is stored',
  429: 'Too many attempts; try again later',
} as const;

type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

/** Error responses as `application/problem+json`, for a route's `schema.response`. */
export function problemResponses<S extends ErrorStatus>(
  ...statuses: S[]
): Record<
  S,
  { description: string; content: { 'application/problem+json': { schema: typeof problemSchema } } }
> {
  const responses = {} as Record<
    S,
    { description: string; content: { 'application/problem+json': { schema: typeof problemSchema } } }
  >;
  for (const status of statuses) {
    responses[status] = {
      description: ERROR_DESCRIPTIONS[status],
      content: { 'application/problem+json': { schema: problemSchema } },
    };
  }
  return responses;
}

/** A 204 response: declared so the API description lists it. */
export const noContent = { description: 'Done; no content', type: 'null' } as const;

export const paginationQuerySchema = {
  limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
  offset: { type: 'integer', minimum: 0, default: 0 },
} as const;
