import type { LocalizedText } from '../../common/types.js';
import { engineError } from '../messages.js';
import type { EffectRequest, EventRequest, NodeKindModule } from '../types.js';
import { commonNodeProperties, decided, refused } from './node-kit.js';

export interface ActionConfig {
  name?: LocalizedText;
  description?: LocalizedText;
  /** Form fields to set, each from a json-logic expression over the ticket rule context. */
  set?: Record<string, unknown>;
  webhook?: {
    url: string;
    method?: 'POST' | 'PUT' | 'PATCH';
    headers?: Record<string, string>;
    body?: unknown;
  };
  subticket?: { type: string; data?: Record<string, unknown>; wait?: boolean };
}

/**
 * Automation: set fields, call a webhook, open a linked sub-ticket (and optionally wait until it is finished).
 * Every `set` expression sees the ticket as it was when the step was entered, so their order does not matter.
 */
export const actionNode: NodeKindModule<ActionConfig> = {
  kind: 'action',
  title: { 'zh-CN': '自动动作', en: 'Action' },
  description: {
    'zh-CN': '按规则给字段赋值、调用 Webhook、创建关联子工单并可等待其完成。',
    en: 'Sets fields by rules, calls a webhook, opens a linked sub-ticket and can wait for it.',
  },
  group: 'automation',
  waits: (config) => config.subticket?.wait === true,
  configSchema: {
    type: 'object',
    title: 'Action',
    properties: {
      ...commonNodeProperties,
      set: {
        type: 'object',
        title: 'Set fields',
        description: 'Field key → json-logic expression giving its new value.',
        propertyNames: { pattern: '^[^.$][^.]*$' },
      },
      webhook: {
        type: 'object',
        title: 'Call a webhook',
        properties: {
          url: { type: 'string', format: 'uri', pattern: '^https?://', title: 'URL' },
          method: { type: 'string', enum: ['POST', 'PUT', 'PATCH'], default: 'POST', title: 'Method' },
          headers: { type: 'object', additionalProperties: { type: 'string' }, title: 'Headers' },
          body: { title: 'Body', description: 'json-logic expression; the ticket summary when absent.' },
        },
        required: ['url'],
        additionalProperties: false,
      },
      subticket: {
        type: 'object',
        title: 'Open a linked sub-ticket',
        properties: {
          type: { type: 'string', minLength: 1, title: 'Ticket type', 'x-ordo-ref': 'ticket-type' },
          data: {
            type: 'object',
            title: 'Sub-ticket form values',
            description: 'Field key → json-logic expression over this ticket.',
          },
          wait: { type: 'boolean', default: false, title: 'Wait until the sub-ticket is finished' },
        },
        required: ['type'],
        additionalProperties: false,
      },
    },
    anyOf: [{ required: ['set'] }, { required: ['webhook'] }, { required: ['subticket'] }],
    additionalProperties: false,
  },
  outcomes: () => [],
  execute: ({ config, node, env, ticket, keyPrefix }) => {
    const events: EventRequest[] = [];
    const effects: EffectRequest[] = [];
    const evaluateAll = (expressions: Record<string, unknown>, path: string) => {
      const values: Record<string, unknown> = {};
      for (const [field, logic] of Object.entries(expressions)) {
        const result = env.evaluate(logic, `${path}/${field}`);
        if (result.ok) values[field] = result.value;
        else
          events.push({
            type: 'rule.failed',
            data: { nodeId: node.id, path: `${path}/${field}`, error: result.error },
          });
      }
      return values;
    };
    const setData =
      config.set === undefined ? undefined : evaluateAll(config.set, `/flow/nodes/${node.id}/data/set`);
    if (config.webhook !== undefined) {
      let body: unknown = {
        ticketId: ticket.id,
        type: ticket.typeKey,
        status: ticket.status,
        data: ticket.data,
      };
      if (config.webhook.body !== undefined) {
        const result = env.evaluate(config.webhook.body, `/flow/nodes/${node.id}/data/webhook/body`);
        if (result.ok) body = result.value;
        else
          events.push({
            type: 'rule.failed',
            data: { nodeId: node.id, path: 'webhook.body', error: result.error },
          });
      }
      effects.push({
        kind: 'webhook',
        keySuffix: 'webhook',
        payload: {
          url: config.webhook.url,
          method: config.webhook.method ?? 'POST',
          headers: config.webhook.headers ?? {},
          body,
          nodeId: node.id,
        },
      });
    }
    const wait = config.subticket?.wait === true;
    if (config.subticket !== undefined) {
      effects.push({
        kind: 'open-subticket',
        keySuffix: 'subticket',
        payload: {
          typeKey: config.subticket.type,
          data: evaluateAll(config.subticket.data ?? {}, `/flow/nodes/${node.id}/data/subticket/data`),
          parentId: ticket.id,
          waitKey: `${keyPrefix}:subticket`,
          wait,
          nodeId: node.id,
        },
      });
    }
    return decided({
      next: wait
        ? { kind: 'wait', waitingFor: { kind: 'subticket', key: `${keyPrefix}:subticket` } }
        : { kind: 'leave' },
      ...(setData === undefined ? {} : { setData }),
      events,
      effects,
    });
  },
  resume: ({ node, token }, signal) => {
    const waitingFor = token.waitingFor;
    if (
      signal.type !== 'subticket-finished' ||
      waitingFor?.kind !== 'subticket' ||
      signal.key !== waitingFor.key
    ) {
      return refused(engineError('subticket.unknown', { key: 'key' in signal ? signal.key : signal.type }));
    }
    return decided({
      next: { kind: 'leave' },
      step: {
        result: signal.outcome ?? 'finished',
        detail: { ...(signal.subticketId === undefined ? {} : { subticketId: signal.subticketId }) },
      },
      events: [
        {
          type: 'subticket.finished',
          data: { nodeId: node.id, subticketId: signal.subticketId, outcome: signal.outcome ?? 'finished' },
        },
      ],
    });
  },
  signals: ({ token }, actor) =>
    actor.kind === 'system' && token.waitingFor?.kind === 'subticket' ? ['subticket-finished'] : [],
};
