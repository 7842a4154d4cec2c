import type { Duration, LocalizedText } from '../../common/types.js';
import { engineError } from '../messages.js';
import type { NodeKindModule, NodeSignal, StepAssignRequest } from '../types.js';
import {
  canWorkStep,
  commonNodeProperties,
  decided,
  fieldKeySchema,
  refused,
  statusKeySchema,
  stepAssignSchema,
  stepSlaSchema,
} from './node-kit.js';

export type StepAssignConfig =
  | 'routing'
  | 'requester-manager'
  | { team: string; strategy?: string; skills?: string[] }
  | { user: string }
  | { field: string };

export interface TaskConfig {
  name?: LocalizedText;
  description?: LocalizedText;
  assign?: StepAssignConfig;
  /** Ways the person can finish the step; each is a sourceHandle. */
  outcomes?: string[];
  /** Step field rights: fields editable, read-only or hidden at this step. */
  editable?: string[];
  readOnly?: string[];
  hidden?: string[];
  status?: string;
  sla?: Duration & { calendar?: string };
}

export const DEFAULT_TASK_OUTCOME = 'done';

export function taskOutcomes(config: { outcomes?: string[] }): string[] {
  return config.outcomes !== undefined && config.outcomes.length > 0
    ? config.outcomes
    : [DEFAULT_TASK_OUTCOME];
}

export function assignRequestOf(assign: StepAssignConfig | undefined): StepAssignRequest {
  if (assign === undefined || assign === 'routing') return { kind: 'routing' };
  if (assign === 'requester-manager') return { kind: 'requester-manager' };
  if ('team' in assign) {
    const request: StepAssignRequest = { kind: 'team', team: assign.team };
    if (assign.strategy !== undefined) request.strategy = assign.strategy;
    if (assign.skills !== undefined) request.skills = assign.skills;
    return request;
  }
  if ('user' in assign) return { kind: 'user', userId: assign.user };
  return { kind: 'field', field: assign.field };
}

const fieldListSchema = (title: string) => ({
  type: 'array',
  title,
  items: fieldKeySchema,
  uniqueItems: true,
});

/** A human step: someone works it and finishes it with one of its outcomes. */
export const taskNode: NodeKindModule<TaskConfig> = {
  kind: 'task',
  title: { 'zh-CN': '处理任务', en: 'Task' },
  description: {
    'zh-CN': '由处理人完成的人工步骤，完成时选择一个处理结果。',
    en: 'A human step; the person working it finishes it with one of its outcomes.',
  },
  group: 'human',
  waits: () => true,
  configSchema: {
    type: 'object',
    title: 'Task',
    properties: {
      ...commonNodeProperties,
      assign: stepAssignSchema,
      outcomes: {
        type: 'array',
        title: 'Outcomes',
        description: 'Buttons shown to the agent; each one is a way out of the step. "done" when empty.',
        items: { type: 'string', pattern: '^[a-z0-9][a-z0-9-]*$', maxLength: 64 },
        uniqueItems: true,
      },
      editable: fieldListSchema('Fields editable at this step'),
      readOnly: fieldListSchema('Fields read-only at this step'),
      hidden: fieldListSchema('Fields hidden at this step'),
      status: statusKeySchema,
      sla: stepSlaSchema,
    },
    additionalProperties: false,
  },
  effects: () => ['schedule', 'cancel-schedule', 'notify'],
  outcomes: taskOutcomes,
  execute: ({ config, now, keyPrefix, env, node }) => {
    const effects = [];
    let dueAt: number | undefined;
    if (config.sla !== undefined) {
      dueAt = env.addDuration(config.sla.calendar, now, config.sla);
      if (dueAt === undefined) {
        return refused(engineError('flow.calendar-unknown', { calendar: config.sla.calendar ?? '' }));
      }
      effects.push({
        kind: 'schedule' as const,
        keySuffix: 'step-sla',
        payload: { at: dueAt, timerKey: `${keyPrefix}:step-sla`, reason: 'step-sla', nodeId: node.id },
      });
    }
    return decided({
      next: {
        kind: 'wait',
        waitingFor:
          dueAt === undefined ? { kind: 'task' } : { kind: 'task', timerKey: `${keyPrefix}:step-sla` },
      },
      assign: assignRequestOf(config.assign),
      ...(config.status === undefined ? {} : { status: { key: config.status } }),
      ...(dueAt === undefined ? {} : { step: { detail: { dueAt } } }),
      effects,
    });
  },
  resume: (input, signal, actor) => {
    const { config, node, keyPrefix } = input;
    if (signal.type === 'timer-fired') {
      // A late step: tell the people working it; the step itself stays open.
      if (signal.key !== `${keyPrefix}:step-sla`)
        return refused(engineError('timer.unknown', { key: signal.key }));
      return decided({
        next: { kind: 'wait', waitingFor: { kind: 'task' } },
        step: { detail: { ...input.step.detail, overdue: true } },
        events: [{ type: 'step.overdue', data: { nodeId: node.id } }],
        effects: [
          {
            kind: 'notify',
            keySuffix: 'step-overdue',
            payload: { template: 'step-overdue', recipients: ['assignee', 'supervisor'], nodeId: node.id },
          },
        ],
      });
    }
    if (signal.type !== 'complete-step') {
      return refused(engineError('step.not-waiting', { command: signal.type }));
    }
    if (!canWorkStep(input.step, input.ticket, actor)) {
      return refused(engineError('actor.forbidden', { command: signal.type }));
    }
    const outcomes = taskOutcomes(config);
    let outcome = signal.outcome;
    if (outcome === undefined) {
      if (outcomes.length > 1) {
        return refused(engineError('step.outcome-required', { outcomes: outcomes.join(', ') }, 'outcome'));
      }
      outcome = outcomes[0];
    }
    if (outcome === undefined || !outcomes.includes(outcome)) {
      return refused(
        engineError(
          'step.outcome-unknown',
          { nodeId: node.id, outcome: outcome ?? '', outcomes: outcomes.join(', ') },
          'outcome',
        ),
      );
    }
    const effects =
      config.sla === undefined
        ? []
        : [
            {
              kind: 'cancel-schedule' as const,
              keySuffix: 'step-sla-cancel',
              payload: { timerKey: `${keyPrefix}:step-sla` },
            },
          ];
    return decided({
      next: { kind: 'leave', outcome },
      step: { outcome, result: outcome },
      effects,
      events: [
        {
          type: 'step.completed',
          data: {
            nodeId: node.id,
            outcome,
            ...(signal.comment === undefined ? {} : { comment: signal.comment }),
          },
        },
      ],
    });
  },
  signals: (input, actor) => {
    const allowed: NodeSignal['type'][] = [];
    if (canWorkStep(input.step, input.ticket, actor)) allowed.push('complete-step');
    return allowed;
  },
};
