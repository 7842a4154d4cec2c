/**
 * Commands arrive as JSON from the API, channels and timers: check their shape before anything else, so a handler
 * can trust the fields it reads. Errors name the field.
 */
import { engineError } from '../flow/messages.js';
import type { EngineErrorShape } from '../flow/types.js';
import { COMMAND_NAMES, type Command } from './types.js';

type FieldRule = 'string' | 'string?' | 'object' | 'object?' | 'strings' | 'strings?' | readonly string[];

const SHAPES: Record<Command['command'], Record<string, FieldRule>> = {
  open: {
    id: 'string',
    number: 'string',
    data: 'object',
    requester: 'object',
    channel: 'string?',
    watchers: 'strings?',
    tags: 'strings?',
  },
  submit: { data: 'object', nodeId: 'string?' },
  claim: { nodeId: 'string?' },
  assign: { assignee: 'string?', team: 'string?', nodeId: 'string?' },
  transfer: { assignee: 'string?', team: 'string?', reason: 'string?' },
  'request-assist': { users: 'strings', comment: 'string?' },
  comment: {
    body: 'string',
    visibility: ['public', 'internal'],
    mentions: 'strings?',
    attachments: 'strings?',
  },
  'complete-step': { nodeId: 'string?', outcome: 'string?', data: 'object?', comment: 'string?' },
  approve: { nodeId: 'string?', comment: 'string?' },
  reject: { nodeId: 'string?', comment: 'string?' },
  'send-back': { nodeId: 'string?', to: 'string', comment: 'string?' },
  delegate: { nodeId: 'string?', to: 'string', comment: 'string?' },
  'set-status': { status: 'string', reason: 'string?' },
  resolve: { comment: 'string?' },
  confirm: {},
  reopen: { reason: 'string?' },
  cancel: { reason: 'string?' },
  rate: { rating: ['satisfied', 'neutral', 'dissatisfied'], comment: 'string?' },
  'timer-fired': { key: 'string' },
  'subticket-finished': { key: 'string', subticketId: 'string?', outcome: 'string?' },
  'reply-received': { body: 'string?' },
};

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function checkCommandShape(
  command: unknown,
): { ok: true; command: Command } | { ok: false; error: EngineErrorShape } {
  if (!isObject(command) || typeof command.command !== 'string') {
    return { ok: false, error: engineError('command.unknown', { command: '' }, 'command') };
  }
  const name = command.command;
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) {
    return { ok: false, error: engineError('command.unknown', { command: name }, 'command') };
  }
  const shape = SHAPES[name as Command['command']];
  for (const [field, rule] of Object.entries(shape)) {
    const value = command[field];
    if (!fits(value, rule))
      return { ok: false, error: engineError('command.invalid', { command: name, field }, field) };
  }
  if (name === 'open' && typeof (command.requester as Record<string, unknown>).id !== 'string') {
    return {
      ok: false,
      error: engineError('command.invalid', { command: name, field: 'requester.id' }, 'requester/id'),
    };
  }
  return { ok: true, command: command as unknown as Command };
}

function fits(value: unknown, rule: FieldRule): boolean {
  if (typeof rule !== 'string') return typeof value === 'string' && rule.includes(value);
  const optional = rule.endsWith('?');
  if (value === undefined) return optional;
  switch (rule.replace('?', '')) {
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'object':
      return isObject(value);
    default:
      return Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0);
  }
}
