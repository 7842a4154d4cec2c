/**
 * Step field rights (`draft.form.steps[nodeId]`, the runtime's `StepFieldRights`) as one choice per form field:
 * editable, read-only, hidden, or left to the default. Pure, so the panel and the tests share it.
 */
import type { StepFieldRights } from '../../../../runtime/form/form.types';

export type FieldRight = 'inherit' | 'edit' | 'read' | 'hidden';

export function rightOf(rights: StepFieldRights | undefined, field: string): FieldRight {
  if (rights?.hidden?.includes(field)) return 'hidden';
  if (rights?.readOnly?.includes(field)) return 'read';
  if (rights?.editable?.includes(field)) return 'edit';
  return 'inherit';
}

/** The rights with one field's choice changed; empty lists are dropped, and `undefined` when nothing is left. */
export function withRight(
  rights: StepFieldRights | undefined,
  field: string,
  right: FieldRight,
): StepFieldRights | undefined {
  const next: StepFieldRights = JSON.parse(JSON.stringify(rights ?? {})) as StepFieldRights;
  const lists = { edit: 'editable', read: 'readOnly', hidden: 'hidden' } as const;
  for (const [choice, key] of Object.entries(lists) as [
    Exclude<FieldRight, 'inherit'>,
    keyof typeof next,
  ][]) {
    const list = (next[key] as string[] | undefined)?.filter((item) => item !== field) ?? [];
    if (choice === right) list.push(field);
    if (list.length > 0) (next as Record<string, unknown>)[key] = list;
    else delete next[key];
  }
  return Object.keys(next).length > 0 ? next : undefined;
}
