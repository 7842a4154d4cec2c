/**
 * Where the engine meets runtime/form. TEMPORARY minimal stand-in until runtime/form's evaluateForm lands: checks
 * the schema's `required` keys only.
 */
import type { Problem } from '../common/types.js';

export interface FormCheck {
  data: Record<string, unknown>;
  errors: Problem[];
}

export function checkForm(
  form: unknown,
  data: Record<string, unknown>,
  _options: { stepId?: string; stepRights?: { editable?: string[]; readOnly?: string[]; hidden?: string[] } },
): FormCheck {
  const errors: Problem[] = [];
  const schema = (form as { schema?: { required?: unknown } } | undefined)?.schema;
  const required = Array.isArray(schema?.required) ? (schema.required as string[]) : [];
  for (const field of required) {
    const value = data[field];
    if (value === undefined || value === null || value === '') {
      errors.push({
        code: 'form.required',
        path: `/${field}`,
        text: { 'zh-CN': `请填写“${field}”。`, en: `"${field}" is required.` },
      });
    }
  }
  return { data, errors };
}
