/**
 * Building blocks shared by the node kinds: schema fragments the studio renders as property-panel widgets, the
 * decision helpers, and who may work a human step.
 */
import { DURATION_UNITS, STATUS_CATEGORIES } from '../../common/types.js';
import type {
  Decided,
  EngineErrorShape,
  JsonSchema,
  NodeDecision,
  SignalActor,
  StepState,
  TicketView,
} from '../types.js';

export const localizedTextSchema: JsonSchema = {
  type: 'object',
  title: 'Text (zh-CN / en)',
  properties: {
    'zh-CN': { type: 'string', title: '中文', maxLength: 500 },
    en: { type: 'string', title: 'English', maxLength: 500 },
  },
  required: ['zh-CN', 'en'],
  additionalProperties: false,
};

export const durationSchema: JsonSchema = {
  type: 'object',
  title: 'Duration',
  description: 'An amount and a unit; business units are measured on the calendar.',
  properties: {
    amount: { type: 'number', exclusiveMinimum: 0, title: 'Amount' },
    unit: { type: 'string', enum: [...DURATION_UNITS], title: 'Unit' },
  },
  required: ['amount', 'unit'],
  additionalProperties: false,
};

export const calendarKeySchema: JsonSchema = {
  type: 'string',
  title: 'Business calendar',
  description:
    'Key of the calendar business units are measured on; the SLA policy calendar when absent. x-ordo-ref: calendar',
  minLength: 1,
  'x-ordo-ref': 'calendar',
};

export const fieldKeySchema: JsonSchema = {
  type: 'string',
  title: 'Form field',
  pattern: '^[^.$][^.]*$',
  'x-ordo-ref': 'field',
};

export const statusKeySchema: JsonSchema = {
  type: 'string',
  title: 'Ticket status while here',
  description: 'A status key of this ticket type the ticket moves to when the flow reaches this step.',
  minLength: 1,
  'x-ordo-ref': 'status',
};

export const statusCategorySchema: JsonSchema = { type: 'string', enum: [...STATUS_CATEGORIES] };

/** Properties every node carries: the name shown on the canvas and a note for the analyst. */
export const commonNodeProperties: Record<string, JsonSchema> = {
  name: { ...localizedTextSchema, title: 'Step name', description: 'Shown on the canvas and to agents.' },
  description: { ...localizedTextSchema, title: 'Note', description: 'What this step is for.' },
};

/** Assignment of a human step, as the studio edits it. */
export const stepAssignSchema: JsonSchema = {
  title: 'Who works this step',
  description:
    '"routing" keeps the ticket\'s routed team and assignee; "requester-manager" the requester\'s manager; or a team with a strategy, a user, or a user-picker field.',
  oneOf: [
    { type: 'string', enum: ['routing', 'requester-manager'] },
    {
      type: 'object',
      title: 'Team',
      properties: {
        team: { type: 'string', minLength: 1, title: 'Team', 'x-ordo-ref': 'team' },
        strategy: {
          type: 'string',
          enum: ['round-robin', 'least-loaded', 'skills', 'queue'],
          title: 'Strategy',
        },
        skills: { type: 'array', items: { type: 'string', minLength: 1 }, title: 'Required skills' },
      },
      required: ['team'],
      additionalProperties: false,
    },
    {
      type: 'object',
      title: 'Person',
      properties: { user: { type: 'string', minLength: 1, title: 'User id' } },
      required: ['user'],
      additionalProperties: false,
    },
    {
      type: 'object',
      title: 'Person from a form field',
      properties: { field: fieldKeySchema },
      required: ['field'],
      additionalProperties: false,
    },
  ],
};

export const stepSlaSchema: JsonSchema = {
  type: 'object',
  title: 'Step time limit',
  description: 'When the step is still open after this time, the assignee and the supervisor are notified.',
  properties: {
    amount: { type: 'number', exclusiveMinimum: 0, title: 'Amount' },
    unit: { type: 'string', enum: [...DURATION_UNITS], title: 'Unit' },
    calendar: calendarKeySchema,
  },
  required: ['amount', 'unit'],
  additionalProperties: false,
};

export function decided(decision: NodeDecision): Decided {
  return { ok: true, value: decision };
}

export function refused(error: EngineErrorShape): Decided {
  return { ok: false, error };
}

export function isAdmin(actor: SignalActor): boolean {
  return actor.roles.includes('admin');
}

/**
 * Who may work a human step: its assignee, members of its team, admins; when the step has neither, whoever works
 * the ticket (its assignee or team).
 */
export function canWorkStep(step: StepState, ticket: TicketView, actor: SignalActor): boolean {
  if (actor.kind === 'requester') return false;
  if (isAdmin(actor)) return true;
  const assignee = step.assignee ?? (step.team === undefined ? ticket.assignee : undefined);
  const team = step.team ?? (step.assignee === undefined ? ticket.team : undefined);
  if (assignee !== undefined && assignee === actor.id) return true;
  if (team !== undefined && actor.teams.includes(team)) return true;
  return assignee === undefined && team === undefined && actor.kind === 'user';
}

export function isRequester(ticket: TicketView, actor: SignalActor): boolean {
  return actor.id === ticket.requester.id;
}
