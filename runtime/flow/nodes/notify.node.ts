import type { LocalizedText } from '../../common/types.js';
import type { NodeKindModule, TicketView } from '../types.js';
import { commonNodeProperties, decided, fieldKeySchema } from './node-kit.js';

export type RecipientSpec =
  | 'requester'
  | 'assignee'
  | 'watchers'
  | 'supervisor'
  | { role: string }
  | { user: string }
  | { team: string }
  | { email: string }
  | { field: string };

/** A recipient as the delivery side receives it: people by id, or what only the server can expand. */
export type Recipient =
  { user: string } | { role: string } | { team: string } | { email: string } | { supervisorOf: string };

export interface NotifyConfig {
  name?: LocalizedText;
  description?: LocalizedText;
  template: string;
  to: RecipientSpec[];
  channels?: ('email' | 'in-app')[];
}

/** Turn the analyst's recipient list into concrete recipients for this ticket (unknown ones are dropped). */
export function resolveRecipients(ticket: TicketView, specs: readonly RecipientSpec[]): Recipient[] {
  const out: Recipient[] = [];
  const addUser = (value: unknown) => {
    if (typeof value !== 'string' || value.length === 0) return;
    out.push(value.includes('@') ? { email: value } : { user: value });
  };
  for (const spec of specs) {
    if (spec === 'requester') addUser(ticket.requester.id);
    else if (spec === 'assignee') addUser(ticket.assignee);
    else if (spec === 'watchers') ticket.watchers.forEach(addUser);
    else if (spec === 'supervisor') {
      if (ticket.team !== undefined) out.push({ supervisorOf: ticket.team });
    } else if ('field' in spec) {
      const value = ticket.data[spec.field];
      if (Array.isArray(value)) value.forEach(addUser);
      else addUser(value);
    } else out.push(spec);
  }
  const seen = new Set<string>();
  return out.filter((recipient) => {
    const key = JSON.stringify(recipient);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export const recipientSpecSchema = {
  title: 'Recipient',
  oneOf: [
    { type: 'string', enum: ['requester', 'assignee', 'watchers', 'supervisor'] },
    {
      type: 'object',
      properties: { role: { type: 'string', minLength: 1, 'x-ordo-ref': 'role' } },
      required: ['role'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { user: { type: 'string', minLength: 1 } },
      required: ['user'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { team: { type: 'string', minLength: 1, 'x-ordo-ref': 'team' } },
      required: ['team'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { email: { type: 'string', format: 'email' } },
      required: ['email'],
      additionalProperties: false,
    },
    {
      type: 'object',
      properties: { field: fieldKeySchema },
      required: ['field'],
      additionalProperties: false,
    },
  ],
};

/** Sends a notification from a template; the flow does not wait for delivery. */
export const notifyNode: NodeKindModule<NotifyConfig> = {
  kind: 'notify',
  title: { 'zh-CN': '通知', en: 'Notify' },
  description: {
    'zh-CN': '按模板给提单人、处理人、关注人、主管、角色或邮箱发送邮件或站内通知。',
    en: 'Sends a templated email or in-app message to the requester, assignee, watchers, supervisor, a role or an address.',
  },
  group: 'automation',
  waits: () => false,
  configSchema: {
    type: 'object',
    title: 'Notify',
    properties: {
      ...commonNodeProperties,
      template: {
        type: 'string',
        minLength: 1,
        title: 'Template',
        description: 'Key of a notification template of this ticket type.',
        'x-ordo-ref': 'template',
      },
      to: { type: 'array', minItems: 1, title: 'Recipients', items: recipientSpecSchema },
      channels: {
        type: 'array',
        title: 'Channels',
        items: { type: 'string', enum: ['email', 'in-app'] },
        uniqueItems: true,
        default: ['email', 'in-app'],
      },
    },
    required: ['template', 'to'],
    additionalProperties: false,
  },
  effects: () => ['notify'],
  outcomes: () => [],
  execute: ({ config, ticket, node }) =>
    decided({
      next: { kind: 'leave' },
      effects: [
        {
          kind: 'notify',
          keySuffix: 'notify',
          payload: {
            template: config.template,
            recipients: resolveRecipients(ticket, config.to),
            channels: config.channels ?? ['email', 'in-app'],
            nodeId: node.id,
          },
        },
      ],
    }),
};
