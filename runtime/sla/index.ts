/**
 * SLA: policy schema and types, target selection, first-response and resolution clocks, due/warning/breach
 * and the escalation ladder. Pure: time comes in as epoch ms. See ../time/README.md (SLA section).
 */
export * from './sla.types.js';
export { slaEscalationSchema, slaPolicySchema, slaTargetSchema } from './sla.schema.js';
