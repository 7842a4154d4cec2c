import type { Duration, LocalizedText } from '../../common/types.js';
import { engineError } from '../messages.js';
import { isPlatformActor, type EffectRequest, type NodeKindModule, type NodeSignal } from '../types.js';
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

export interface ConfirmConfig {
  name?: LocalizedText;
  description?: LocalizedText;
  autoCloseAfter: Duration;
  calendar?: string;
  /** Ask for the satisfaction survey once the ticket is confirmed or auto-closed (default on). */
  survey?: boolean;
  /** A `resolved` status of the type; the category's first status when absent. */
  status?: string;
  /** Where a reopened ticket goes; the last human step before this one on the path taken when absent. */
  reopenTo?: string;
}

/**
 * The ticket is resolved and the requester is asked to confirm the fix. With no answer it closes after the set
 * business time; confirming (or the time-out) leads on to the survey; reopening goes back to work.
 */
export const confirmNode: NodeKindModule<ConfirmConfig> = {
  kind: 'confirm',
  title: { 'zh-CN': '确认解决', en: 'Confirm resolution' },
  description: {
    'zh-CN': '工单进入待确认，请提单人确认或重新打开；超时自动关闭，之后发送满意度调查。',
    en: 'The ticket awaits confirmation; the requester confirms or reopens; it auto-closes after a set time, then the survey is sent.',
  },
  group: 'human',
  waits: () => true,
  configSchema: {
    type: 'object',
    title: 'Confirm resolution',
    properties: {
      ...commonNodeProperties,
      autoCloseAfter: { ...durationSchema, title: 'Close automatically after' },
      calendar: calendarKeySchema,
      survey: { type: 'boolean', default: true, title: 'Send the satisfaction survey' },
      status: statusKeySchema,
      reopenTo: {
        type: 'string',
        minLength: 1,
        title: 'Reopened tickets go back to',
        description: 'A human step; the last one before this step when empty.',
        'x-ordo-ref': 'node',
      },
    },
    required: ['autoCloseAfter'],
    additionalProperties: false,
  },
  effects: () => ['schedule', 'cancel-schedule', 'notify', 'survey'],
  outcomes: () => [],
  execute: ({ config, now, env, keyPrefix, node }) => {
    const at = env.addDuration(config.calendar, now, config.autoCloseAfter);
    if (at === undefined)
      return refused(engineError('flow.calendar-unknown', { calendar: config.calendar ?? '' }));
    const timerKey = `${keyPrefix}:auto-close`;
    return decided({
      next: { kind: 'wait', waitingFor: { kind: 'confirm', timerKey, at } },
      status: config.status === undefined ? { category: 'resolved' } : { key: config.status },
      step: { detail: { autoCloseAt: at } },
      effects: [
        {
          kind: 'schedule',
          keySuffix: 'auto-close',
          payload: { at, timerKey, reason: 'auto-close', nodeId: node.id },
        },
        {
          kind: 'notify',
          keySuffix: 'confirm-requested',
          payload: { template: 'confirm-requested', recipients: ['requester'] },
        },
      ],
    });
  },
  resume: ({ config, token, node, env }, signal) => {
    const waitingFor = token.waitingFor;
    const timerKey = waitingFor?.kind === 'confirm' ? waitingFor.timerKey : '';
    const survey: EffectRequest[] =
      config.survey === false
        ? []
        : [{ kind: 'survey', keySuffix: 'survey', payload: { recipients: ['requester'] } }];
    switch (signal.type) {
      case 'confirm':
        return decided({
          next: { kind: 'leave' },
          step: { result: 'confirmed' },
          effects: [
            { kind: 'cancel-schedule', keySuffix: 'auto-close-cancel', payload: { timerKey } },
            ...survey,
          ],
          events: [{ type: 'resolution.confirmed', data: { nodeId: node.id } }],
        });
      case 'timer-fired':
        if (signal.key !== timerKey) return refused(engineError('timer.unknown', { key: signal.key }));
        return decided({
          next: { kind: 'leave' },
          step: { result: 'auto-closed' },
          effects: survey,
          events: [{ type: 'resolution.auto-closed', data: { nodeId: node.id } }],
        });
      case 'reopen': {
        const target = config.reopenTo ?? env.earlierHumanSteps(node.id)[0];
        if (target === undefined) return refused(engineError('flow.no-earlier-step', { nodeId: node.id }));
        return decided({
          next: { kind: 'jump', nodeId: target },
          step: { result: 'reopened' },
          status: { category: 'open' },
          effects: [{ kind: 'cancel-schedule', keySuffix: 'auto-close-cancel', payload: { timerKey } }],
          events: [{ type: 'ticket.reopened', data: { nodeId: node.id, to: target } }],
        });
      }
      default:
        return refused(engineError('step.not-waiting', { command: signal.type }));
    }
  },
  signals: ({ ticket }, actor) => {
    const allowed: NodeSignal['type'][] = [];
    if (isPlatformActor(actor)) allowed.push('timer-fired');
    if (isRequester(ticket, actor) || isAdmin(actor)) allowed.push('confirm', 'reopen');
    return allowed;
  },
};
