import { computed } from 'vue';
import type { FormDefinition, FormField } from '../../../../runtime/form/form.types';
import { useDesignerStore } from '../../stores/designer.store';
import { ensureForm } from './form-model';

/**
 * The draft's form as the form designer reads it, and the one way it changes it: through `designer.change()`
 * (undo step, autosave, in-browser check), with the form made whole first. `label` names the undo step; edits
 * with the same label in quick succession (typing a name) fold into one.
 */
export function useFormEdit() {
  const designer = useDesignerStore();
  const form = computed<FormDefinition | undefined>(() => designer.draft?.form as FormDefinition | undefined);
  function edit(label: string, mutate: (form: FormDefinition) => void): void {
    designer.change(label, (draft) => mutate(ensureForm(draft as { form?: FormDefinition })));
  }
  return { designer, form, edit };
}

/** What the form designer has selected: a field (by key) or a section (by place). */
export type FormSelection = { kind: 'field'; key: string } | { kind: 'section'; index: number } | null;

/** A change applied to one part of the draft (a field, a section, an option, a column). */
export type Mutate<T> = (target: T) => void;
/** A change to a field that may also touch the rest of the form (its data schema). */
export type MutateField = (field: FormField, form: FormDefinition) => void;
