/**
 * JSON Schema of an SLA policy (the `sla` object of a ticket type, or a stored policy). Calendar, team and
 * role names carry `x-ordo-ref` so the definition checks can confirm they exist.
 */
import { STATUS_CATEGORIES } from '../common/types.js';
import { durationSchema } from '../time/index.js';
import { SLA_CLOCK_KINDS } from './sla.types.js';

const calendarKeySchema = { type: 'string', minLength: 1, maxLength: 64, 'x-ordo-ref': 'calendar' } as const;

const localizedTextSchema = {
  type: 'object',
  properties: {
    'zh-CN': { type: 'string', minLength: 1, maxLength: 200 },
    en: { type: 'string', minLength: 1, maxLength: 200 },
  },
  required: ['zh-CN', 'en'],
  additionalProperties: false,
} as const;

const slaActionSchema = {
  title: 'Escalation action',
  oneOf: [
    {
      type: 'object',
      properties: {
        notify: {
          title: 'Notify',
          oneOf: [
            { type: 'string', enum: ['assignee', 'supervisor'] },
            {
              type: 'object',
              properties: { role: { type: 'string', minLength: 1, maxLength: 64, 'x-ordo-ref': 'role' } },
              required: ['role'],
              additionalProperties: false,
            },
          ],
        },
      },
      required: ['notify'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        highlight: { type: 'string', enum: ['warning', 'breached'], title: 'Highlight in lists' },
      },
      required: ['highlight'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { raisePriority: { type: 'integer', minimum: 1, maximum: 3, title: 'Raise priority by' } },
      required: ['raisePriority'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: {
        reassign: {
          title: 'Reassign to',
          oneOf: [
            { type: 'string', enum: ['backup-person', 'backup-team'] },
            {
              type: 'object',
              properties: { team: { type: 'string', minLength: 1, maxLength: 64, 'x-ordo-ref': 'team' } },
              required: ['team'],
              additionalProperties: false,
            },
          ],
        },
      },
      required: ['reassign'],
      additionalProperties: false,
    },
  ],
} as const;

export const slaTargetSchema = {
  type: 'object',
  title: 'SLA target',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, title: 'Id' },
    name: { ...localizedTextSchema, title: 'Name' },
    when: { title: 'Applies when', description: 'A json-logic rule over the ticket; true for a catch-all.' },
    calendar: { ...calendarKeySchema, title: 'Calendar' },
    firstResponse: { ...durationSchema, title: 'First response within' },
    resolution: { ...durationSchema, title: 'Resolution within' },
  },
  required: ['when'],
  anyOf: [{ required: ['firstResponse'] }, { required: ['resolution'] }],
  additionalProperties: false,
} as const;

export const slaEscalationSchema = {
  type: 'object',
  title: 'Escalation',
  properties: {
    id: { type: 'string', minLength: 1, maxLength: 64, title: 'Id' },
    at: { type: 'string', enum: ['warning', 'breach'], title: 'Counted from' },
    after: { ...durationSchema, title: 'After' },
    clock: { type: 'string', enum: [...SLA_CLOCK_KINDS, 'any'], title: 'Clock' },
    do: { type: 'array', items: slaActionSchema, minItems: 1, maxItems: 10, title: 'Actions' },
    businessHoursOnly: { type: 'boolean', title: 'Only during business hours' },
  },
  required: ['at', 'clock', 'do'],
  additionalProperties: false,
} as const;

export const slaPolicySchema = {
  type: 'object',
  title: 'SLA policy',
  properties: {
    calendar: { ...calendarKeySchema, title: 'Business calendar' },
    pauseIn: {
      type: 'array',
      title: 'Paused in status categories',
      items: {
        type: 'string',
        enum: STATUS_CATEGORIES.filter((category) => ['new', 'open', 'pending'].includes(category)),
      },
      uniqueItems: true,
    },
    warnAt: {
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      title: 'Warn at (share of the target)',
    },
    reopen: { type: 'string', enum: ['resume', 'restart'], title: 'On reopen' },
    targets: { type: 'array', items: slaTargetSchema, minItems: 1, maxItems: 50, title: 'Targets' },
    escalations: { type: 'array', items: slaEscalationSchema, maxItems: 50, title: 'Escalations' },
  },
  required: ['targets'],
  additionalProperties: false,
} as const;
