/**
 * SLA: policy schema and types, target selection, first-response and resolution clocks, due/warning/breach
 * and the escalation ladder. Pure: time comes in as epoch ms. Design notes in ../time/README.md (SLA section).
 */
export * from './sla.types.js';
export { slaEscalationSchema, slaPolicySchema, slaTargetSchema } from './sla.schema.js';
export {
  checkSlaPolicy,
  describeTargetTerms,
  findCalendar,
  policyCalendarKey,
  selectSlaTarget,
  targetLabel,
  type SlaEnv,
  type SlaTargetSelection,
} from './sla-target.js';
export {
  applyStatusChange,
  clockProgress,
  recordFirstResponse,
  retargetClocks,
  startClocks,
  type SlaClockProgress,
  type SlaStart,
  type SlaUpdate,
} from './sla-clock.js';
export {
  describeActions,
  dueSteps,
  recordSteps,
  type SlaDueSteps,
  type SlaStep,
  type SlaStepKind,
} from './sla-steps.js';
export { slaExplanation, slaMessages, type SlaMessageCode } from './sla-messages.js';
export {
  escalationRecipient,
  recipientCalendar,
  type TicketHandler,
  type WorkingHours,
} from './recipient-hours.js';
