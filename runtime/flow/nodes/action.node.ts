import type { LocalizedText } from '../../common/types.js';
import { engineError } from '../messages.js';
import type { EffectRequest, EventRequest, NodeKindModule, SubticketFinish } from '../types.js';
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
  subticket?: SubticketConfig;
}

/** A linked sub-ticket (or one per item of a list) opened by an action step. */
export interface SubticketConfig {
  /** Key of the ticket type to open. */
  type: string;
  /**
   * Field key of the sub-ticket → json-logic over this ticket (`data.*`, `requester.*`, …, plus `item` and `index`
   * with `each`): the sub-ticket's form values. `{"var": "data.hostname"}` copies a field.
   */
  data?: Record<string, unknown>;
  /** json-logic giving a list: one sub-ticket per item (e.g. a table field's rows). One sub-ticket when absent. */
  each?: unknown;
  /** Wait until the sub-tickets are finished before going on. */
  wait?: boolean;
  /** With `wait`: `all` (default) waits for every sub-ticket, `any` for the first to finish. */
  waitFor?: 'all' | 'any';
  /**
   * Cancel the sub-tickets still open when this step stops waiting for them — the ticket is cancelled or
   * resolved, the flow is sent back past the step, or (`waitFor: any`) another sub-ticket finished first. Default
   * true; false leaves them running.
   */
  cancelUnfinished?: boolean;
}

/** Most sub-tickets one visit of an action step opens (`each` over a longer list opens the first ones). */
export const MAX_SUBTICKETS_PER_STEP = 50;

/**
 * The result an action step waiting for sub-tickets records (`step.<id>.result`, for the edges after it): with one
 * sub-ticket or `waitFor: any`, how the sub-ticket that ended the wait finished (`closed`, `cancelled`, `failed` when
 * it could not be opened); with several, that outcome when all finished alike, else `mixed`; `none` when the list
 * was empty.
 */
function resultOf(finished: SubticketFinish[], last: SubticketFinish, mode: 'all' | 'any'): string {
  if (mode === 'any') return last.outcome;
  return finished.every((entry) => entry.outcome === last.outcome) ? last.outcome : 'mixed';
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
          each: {
            title: 'One sub-ticket per item of',
            description:
              'json-logic giving a list (e.g. a table field); its item is `item`, its position `index`.',
          },
          wait: { type: 'boolean', default: false, title: 'Wait until the sub-ticket is finished' },
          waitFor: {
            type: 'string',
            enum: ['all', 'any'],
            default: 'all',
            title: 'Wait for',
            description: 'all: every sub-ticket finished; any: the first one finished.',
          },
          cancelUnfinished: {
            type: 'boolean',
            default: true,
            title: 'Cancel sub-tickets still open when the step stops waiting',
          },
        },
        required: ['type'],
        additionalProperties: false,
      },
    },
    anyOf: [{ required: ['set'] }, { required: ['webhook'] }, { required: ['subticket'] }],
    additionalProperties: false,
  },
  effects: (config) => [
    ...(config.webhook === undefined ? [] : (['webhook'] as const)),
    ...(config.subticket === undefined ? [] : (['open-subticket', 'cancel-subtickets'] as const)),
  ],
  outcomes: () => [],
  execute: ({ config, node, env, ticket, keyPrefix }) => {
    const events: EventRequest[] = [];
    const effects: EffectRequest[] = [];
    const evaluateAll = (
      expressions: Record<string, unknown>,
      path: string,
      extra?: Record<string, unknown>,
    ) => {
      const values: Record<string, unknown> = {};
      for (const [field, logic] of Object.entries(expressions)) {
        const result = env.evaluate(logic, `${path}/${field}`, extra);
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
    const sub = config.subticket;
    const wait = sub?.wait === true;
    const waitKey = `${keyPrefix}:subticket`;
    const children: string[] = [];
    if (sub !== undefined) {
      const dataPath = `/flow/nodes/${node.id}/data/subticket/data`;
      let items: unknown[] = [undefined];
      if (sub.each !== undefined) {
        const listed = env.evaluate(sub.each, `/flow/nodes/${node.id}/data/subticket/each`);
        if (!listed.ok) {
          events.push({
            type: 'rule.failed',
            data: { nodeId: node.id, path: 'subticket.each', error: listed.error },
          });
          items = [];
        } else {
          items = Array.isArray(listed.value) ? listed.value : listed.value == null ? [] : [listed.value];
        }
        if (items.length > MAX_SUBTICKETS_PER_STEP) {
          events.push({
            type: 'subticket.limited',
            data: { nodeId: node.id, items: items.length, opened: MAX_SUBTICKETS_PER_STEP },
          });
          items = items.slice(0, MAX_SUBTICKETS_PER_STEP);
        }
      }
      items.forEach((item, index) => {
        // One sub-ticket keeps the key it always had; a list numbers them.
        const keySuffix = sub.each === undefined ? 'subticket' : `subticket-${index}`;
        children.push(`${keyPrefix}:${keySuffix}`);
        effects.push({
          kind: 'open-subticket',
          keySuffix,
          payload: {
            typeKey: sub.type,
            data: evaluateAll(
              sub.data ?? {},
              dataPath,
              sub.each === undefined ? undefined : { item: item ?? null, index },
            ),
            parentId: ticket.id,
            waitKey,
            wait,
            nodeId: node.id,
            ...(sub.each === undefined ? {} : { index }),
          },
        });
      });
    }
    if (wait && children.length === 0) {
      // Nothing to wait for (an empty list): go on at once.
      return decided({
        next: { kind: 'leave' },
        step: { result: 'none', detail: { subtickets: [] } },
        ...(setData === undefined ? {} : { setData }),
        events,
        effects,
      });
    }
    return decided({
      next: wait
        ? {
            kind: 'wait',
            waitingFor: {
              kind: 'subticket',
              key: waitKey,
              children,
              mode: sub?.waitFor === 'any' ? 'any' : 'all',
              finished: [],
              ...(sub?.cancelUnfinished === false ? { cancelUnfinished: false } : {}),
            },
          }
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
    const subticketId = signal.subticketId ?? `#${(waitingFor.finished ?? []).length}`;
    if ((waitingFor.finished ?? []).some((entry) => entry.subticketId === subticketId))
      return refused(engineError('subticket.unknown', { key: signal.key }));
    const last: SubticketFinish = {
      subticketId,
      outcome: signal.outcome ?? 'finished',
      ...(signal.status === undefined ? {} : { status: signal.status }),
    };
    const finished = [...(waitingFor.finished ?? []), last];
    const mode = waitingFor.mode ?? 'all';
    const expected = waitingFor.children?.length ?? 1;
    const event: EventRequest = {
      type: 'subticket.finished',
      data: {
        nodeId: node.id,
        subticketId: signal.subticketId,
        ...(signal.number === undefined ? {} : { number: signal.number }),
        outcome: last.outcome,
        ...(last.status === undefined ? {} : { status: last.status }),
        finished: finished.length,
        of: expected,
      },
    };
    if (mode === 'all' && finished.length < expected) {
      return decided({ next: { kind: 'wait', waitingFor: { ...waitingFor, finished } }, events: [event] });
    }
    const effects: EffectRequest[] = [];
    if (mode === 'any' && expected > 1 && waitingFor.cancelUnfinished !== false) {
      // The first one decided; the others are no longer needed.
      effects.push({
        kind: 'cancel-subtickets',
        keySuffix: 'subticket:cancel',
        payload: {
          children: waitingFor.children ?? [],
          finished: finished.map((entry) => entry.subticketId),
        },
      });
    }
    return decided({
      next: { kind: 'leave' },
      step: {
        result: resultOf(finished, last, mode),
        detail: {
          ...(signal.subticketId === undefined ? {} : { subticketId: signal.subticketId }),
          subtickets: finished.map((entry) => ({ ...entry })),
        },
      },
      events: [event],
      effects,
    });
  },
  signals: ({ token }, actor) =>
    actor.kind === 'system' && token.waitingFor?.kind === 'subticket' ? ['subticket-finished'] : [],
};
