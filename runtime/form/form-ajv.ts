import { Ajv } from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: `.default` is the plugin both under Node's reading and TypeScript's.
const addFormats = addFormatsModule.default;

/**
 * The Ajv instance that checks submitted values. It is separate from the definitions' instance on purpose: that
 * one judges schemas an analyst saves (strict, so typos are caught at save); this one only runs schemas that
 * already passed it, and must never throw at a requester because of a keyword the studio allowed.
 */
const valueAjv = new Ajv({
  allErrors: true,
  strict: false,
  strictNumbers: true,
  useDefaults: false,
  coerceTypes: false,
  removeAdditional: false,
  addUsedSchema: false,
  logger: false,
});
addFormats(valueAjv);

export function compileValueSchema(schema: Record<string, unknown>): ValidateFunction {
  return valueAjv.compile(schema);
}
