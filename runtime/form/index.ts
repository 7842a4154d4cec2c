/** Forms: definition types and schema, and the one function that evaluates a form for given values and step. */
export {
  WIDGET_KINDS,
  type FieldOption,
  type FormDefinition,
  type FormField,
  type FormSection,
  type StepFieldRights,
  type TableColumn,
  type WidgetKind,
} from './form.types.js';
export {
  FIELD_KEY_PATTERN,
  checkForm,
  fieldKeySchema,
  formFieldSchema,
  formSchema,
  formSectionSchema,
  isValidFieldKey,
  stepFieldRightsSchema,
} from './form.schema.js';
export {
  compileForm,
  evaluateForm,
  isEmptyValue,
  sanitizeValue,
  type EvaluateFormOptions,
  type FieldState,
  type FormEvaluation,
  type FormMode,
  type HiddenBy,
  type SectionState,
} from './evaluate-form.js';
export { formMessages, type FormMessageCode } from './form-messages.js';
