/**
 * Definitions: the shared Ajv setup and its analyst-readable problems, the ticket-type envelope, the flow graph
 * checks before publish, the one `validateTicketType`, and the readable diff between two versions. See README.md.
 */
export {
  REFERENCE_KEYWORD,
  ajv,
  collectReferences,
  compileAnalystSchema,
  compileValidator,
  translateAjvErrors,
  type CompileOptions,
  type SchemaReference,
  type ValidationContext,
  type Validator,
} from './ajv.js';
export {
  diffDefinitions,
  type DefinitionChange,
  type DefinitionChangeKind,
  type DiffOptions,
} from './diff.js';
export { checkFlow } from './flow-check.js';
export { NODE_ID_PATTERN, flowEdgeSchema, flowNodeSchema, flowSchema } from './flow.schema.js';
export {
  definitionMessages,
  definitionProblem,
  messageText,
  patternHint,
  registerPatternHint,
  type DefinitionMessageCode,
} from './messages.js';
export {
  DATE_PLACEHOLDERS,
  MAX_SEQUENCE_WIDTH,
  formatTicketNumber,
  parseNumberFormat,
  type NumberFormatPart,
  type TicketNumberInput,
} from './number-format.js';
export { escapePointerSegment, joinPointer, pointerSegments, unescapePointerSegment } from './pointer.js';
export {
  TICKET_CONTEXT_ROOTS,
  checkReference,
  checkRuleVariables,
  type DefinitionRefs,
  type ReferenceKind,
} from './references.js';
export { embeddedRuleVariables, ruleVariables, type RuleVariable } from './rule-references.js';
export {
  DEFAULT_TICKET_ZONE,
  SIMPLE_KEY_PATTERN,
  TEMPLATE_KEY_PATTERN,
  TICKET_TYPE_KEY_PATTERN,
  ticketStatusSchema,
  type CategoryName,
  ticketTypeSchema,
  type TicketStatusDefinition,
  type TicketTypeDefinition,
} from './ticket-type.schema.js';
export { validateTicketType, type TicketTypeValidation } from './validate-ticket-type.js';
