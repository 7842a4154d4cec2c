/**
 * Where the engine meets runtime/form: the intake form at `open`, step forms at `submit` / `complete-step`. The
 * portal, the studio preview and the engine call the same evaluateForm, so they always agree.
 */
import type { Problem } from '../common/types.js';
import { engineError } from '../flow/messages.js';
import type { EngineErrorShape } from '../flow/types.js';
import { evaluateForm, type FormDefinition, type StepFieldRights } from '../form/index.js';
import type { RuleEnv } from '../rules/index.js';

export interface FormCheck {
  /** The values to store (edit: the whole record after the change). */
  data: Record<string, unknown>;
  errors: Problem[];
}

const isForm = (form: unknown): form is FormDefinition =>
  typeof form === 'object' && form !== null && 'schema' in form && 'layout' in form;

export function checkIntakeForm(
  form: unknown,
  data: Record<string, unknown>,
  options: { cacheKey?: string; env: RuleEnv },
): FormCheck {
  if (!isForm(form)) return { data: { ...data }, errors: [] };
  const evaluation = evaluateForm(form, data, {
    mode: 'create',
    cacheKey: options.cacheKey,
    env: options.env,
  });
  return { data: evaluation.data, errors: evaluation.errors };
}

/** Step task rights (node data) combined with the form's own rights for the step. */
export function stepRightsOf(
  form: unknown,
  stepId: string,
  nodeRights: { editable?: string[]; readOnly?: string[]; hidden?: string[] },
): StepFieldRights | undefined {
  const formRights = isForm(form) ? form.steps?.[stepId] : undefined;
  if (formRights === undefined && Object.keys(nodeRights).length === 0) return undefined;
  const union = (a: string[] | undefined, b: string[] | undefined) =>
    a === undefined && b === undefined ? undefined : [...new Set([...(a ?? []), ...(b ?? [])])];
  const rights: StepFieldRights = { ...formRights };
  const editable = union(formRights?.editable, nodeRights.editable);
  const readOnly = union(formRights?.readOnly, nodeRights.readOnly);
  const hidden = union(formRights?.hidden, nodeRights.hidden);
  if (editable !== undefined) rights.editable = editable;
  if (readOnly !== undefined) rights.readOnly = readOnly;
  if (hidden !== undefined) rights.hidden = hidden;
  return rights;
}

export function checkStepForm(
  form: unknown,
  previous: Record<string, unknown>,
  submitted: Record<string, unknown>,
  options: { stepId: string; stepRights: StepFieldRights | undefined; cacheKey?: string; env: RuleEnv },
): FormCheck {
  if (!isForm(form)) return { data: { ...previous, ...submitted }, errors: [] };
  const evaluation = evaluateForm(form, submitted, {
    mode: 'edit',
    previous,
    stepId: options.stepId,
    ...(options.stepRights === undefined ? {} : { stepRights: options.stepRights }),
    ...(options.cacheKey === undefined ? {} : { cacheKey: options.cacheKey }),
    env: options.env,
  });
  const data = { ...previous, ...evaluation.data };
  for (const key of evaluation.cleared) delete data[key];
  return { data, errors: evaluation.errors };
}

/** One refusal naming the first field at fault, listing every problem in both languages. */
export function formRefusal(errors: Problem[]): EngineErrorShape {
  const [first] = errors;
  const error = engineError(
    'form.invalid',
    { detail: errors.map((problem) => problem.text.en).join('; ') },
    first === undefined ? undefined : first.path.replace(/^\//, ''),
  );
  error.message['zh-CN'] = `表单填写有误：${errors.map((problem) => problem.text['zh-CN']).join('；')}`;
  error.problems = errors;
  return error;
}
