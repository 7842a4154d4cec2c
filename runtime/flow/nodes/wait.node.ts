import type { Duration, LocalizedText } from '../../common/types.js';
import { engineError } from '../messages.js';
import { isPlatformActor, type NodeDecision, type NodeKindModule, type NodeSignal } from '../types.js';
import {
  calendarKeySchema,
  commonNodeProperties,
  decided,
  durationSchema,
  isAdmin,
  isRequester,
  refused,
  statusKeySchema,
} from './node-kit.js';

export interface WaitConfig {
  name?: LocalizedText;
  description?: LocalizedText;
  for: 'duration' | 'reply';
  duration?: Duration;
  calendar?: string;
  /** For a reply: give up after this long and leave by `timed-out`. */
  timeout?: Duration;
  /** Status while waiting; for a reply, the first `pending` status of the type when absent. */
  status?: string;
}

export const WAIT_REPLY_OUTCOMES = ['replied', 'timed-out'] as const;

const hasReplyTimeout = (config: WaitConfig) => config.for === 'reply' && config.timeout !== undefined;

/** Waits for a business or calendar duration, or for the requester's reply (the SLA clock pauses meanwhile). */
export const waitNode: NodeKindModule<WaitConfig> = {
  kind: 'wait',
  title: { 'zh-CN': '等待', en: 'Wait' },
  description: {
    'zh-CN': '等待一段时间（工作时间或日历时间），或等待提单人回复。',
    en: 'Waits for a duration (business or calendar time) or for the requester to reply.',
  },
  group: 'human',
  waits: () => true,
  configSchema: {
    type: 'object',
    title: 'Wait',
    properties: {
      ...commonNodeProperties,
      for: {
        type: 'string',
        enum: ['duration', 'reply'],
        title: 'Wait for',
        description: 'duration: a fixed time; reply: the requester answers (optionally with a time-out).',
      },
      duration: { ...durationSchema, title: 'How long' },
      calendar: calendarKeySchema,
      timeout: { ...durationSchema, title: 'Give up waiting for the reply after' },
      status: statusKeySchema,
    },
    required: ['for'],
    if: { properties: { for: { const: 'duration' } } },
    then: { required: ['duration'] },
    additionalProperties: false,
  },
  effects: () => ['schedule', 'cancel-schedule'],
  outcomes: (config) => (hasReplyTimeout(config) ? [...WAIT_REPLY_OUTCOMES] : []),
  execute: ({ config, now, env, keyPrefix, node }) => {
    const timerKey = `${keyPrefix}:timer`;
    const delay = config.for === 'duration' ? config.duration : config.timeout;
    let at: number | undefined;
    if (delay !== undefined) {
      at = env.addDuration(config.calendar, now, delay);
      if (at === undefined)
        return refused(engineError('flow.calendar-unknown', { calendar: config.calendar ?? '' }));
    }
    const schedule = (reason: 'wait' | 'reply-timeout', instant: number) => ({
      kind: 'schedule' as const,
      keySuffix: 'timer',
      payload: { at: instant, timerKey, reason, nodeId: node.id },
    });
    if (config.for === 'duration') {
      const instant = at as number;
      return decided({
        next: { kind: 'wait', waitingFor: { kind: 'timer', key: timerKey, at: instant, reason: 'wait' } },
        ...(config.status === undefined ? {} : { status: { key: config.status } }),
        step: { detail: { until: instant } },
        effects: [schedule('wait', instant)],
      });
    }
    return decided({
      next: {
        kind: 'wait',
        waitingFor: at === undefined ? { kind: 'reply' } : { kind: 'reply', timerKey, at },
      },
      status: config.status === undefined ? { category: 'pending' } : { key: config.status },
      effects: at === undefined ? [] : [schedule('reply-timeout', at)],
    });
  },
  resume: ({ config, token, node }, signal) => {
    const waitingFor = token.waitingFor;
    const timerKey =
      waitingFor?.kind === 'timer'
        ? waitingFor.key
        : waitingFor?.kind === 'reply'
          ? waitingFor.timerKey
          : undefined;
    if (signal.type === 'timer-fired') {
      if (timerKey === undefined || signal.key !== timerKey) {
        return refused(engineError('timer.unknown', { key: signal.key }));
      }
      if (config.for === 'duration') return decided({ next: { kind: 'leave' }, step: { result: 'elapsed' } });
      return decided({
        next: { kind: 'leave', outcome: 'timed-out' },
        step: { result: 'timed-out', outcome: 'timed-out' },
        status: { category: 'open' },
        events: [{ type: 'wait.timed-out', data: { nodeId: node.id } }],
      });
    }
    if (signal.type === 'reply-received' && config.for === 'reply') {
      const decision: NodeDecision = {
        next: hasReplyTimeout(config) ? { kind: 'leave', outcome: 'replied' } : { kind: 'leave' },
        step: { result: 'replied', ...(hasReplyTimeout(config) ? { outcome: 'replied' } : {}) },
        status: { category: 'open' },
      };
      if (timerKey !== undefined) {
        decision.effects = [{ kind: 'cancel-schedule', keySuffix: 'timer-cancel', payload: { timerKey } }];
      }
      return decided(decision);
    }
    return refused(engineError('step.not-waiting', { command: signal.type }));
  },
  signals: ({ config, ticket }, actor) => {
    const allowed: NodeSignal['type'][] = [];
    if (isPlatformActor(actor)) allowed.push('timer-fired');
    if (config.for === 'reply' && (actor.kind === 'system' || isRequester(ticket, actor) || isAdmin(actor))) {
      allowed.push('reply-received');
    }
    return allowed;
  },
};
