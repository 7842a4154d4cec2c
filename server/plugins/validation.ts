import { Ajv, type AnySchema, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

/**
 * How every route's schema is checked — one compiler for the whole app, so each rule below holds for every route:
 *
 * - Query strings, path parameters and headers arrive as text: they are coerced to the schema's types
 *   (`?limit=50` → 50, `?status=open` → `['open']` for an array).
 * - Bodies are typed as sent: `{"name": -1}` is refused where a text is expected, never stored as `"-1"`.
 * - No number may be infinite or NaN, wherever it comes from (`?limit=1e309` coerces to Infinity, which no
 *   `minimum`/`maximum` stops; JSON's `1e309` parses to Infinity): such a value is refused naming its field
 *   (keyword `finite`).
 */
const COMMON_OPTIONS = {
  removeAdditional: false,
  useDefaults: true,
  allErrors: true,
  allowUnionTypes: true,
  addUsedSchema: false,
} as const;

/** Parts of a request that arrive as text and are coerced; everything else (the body) is not. */
const COERCED_PARTS = new Set(['querystring', 'params', 'headers']);

function newAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({ ...COMMON_OPTIONS, coerceTypes: coerce ? 'array' : false });
  addFormats.default(ajv);
  return ajv;
}

/** The first non-finite number in a value, as an ajv error at its JSON pointer. */
export function nonFiniteNumber(value: unknown, pointer = '', depth = 0): ErrorObject | undefined {
  if (typeof value === 'number') {
    if (Number.isFinite(value)) return undefined;
    return {
      instancePath: pointer,
      schemaPath: '#/finite',
      keyword: 'finite',
      params: {},
      message: 'must be a finite number',
    };
  }
  if (value === null || typeof value !== 'object' || depth > 64) return undefined;
  for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
    const found = nonFiniteNumber(
      item,
      `${pointer}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
      depth + 1,
    );
    if (found) return found;
  }
  return undefined;
}

/** Run the schema's check, then refuse any non-finite number the value holds (coerced or parsed). */
function withFiniteNumbers(validate: ValidateFunction): (data: unknown) => boolean {
  const check = (data: unknown): boolean => {
    const valid = validate(data);
    const infinite = nonFiniteNumber(data);
    if (valid && !infinite) {
      check.errors = null;
      return true;
    }
    check.errors = [...(infinite ? [infinite] : []), ...(validate.errors ?? [])];
    return false;
  };
  check.errors = null as ErrorObject[] | null;
  return check;
}

/** The validator compiler the app sets (`app.setValidatorCompiler`) before any route is added. */
export function requestValidatorCompiler(): FastifySchemaCompiler<AnySchema> {
  const coercing = newAjv(true);
  const exact = newAjv(false);
  return ({ schema, httpPart }) => {
    const ajv = httpPart && COERCED_PARTS.has(httpPart) ? coercing : exact;
    return withFiniteNumbers(ajv.compile(schema));
  };
}
