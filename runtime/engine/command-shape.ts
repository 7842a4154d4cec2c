/**
 * Commands arrive as JSON from the API, channels and timers: check their shape before anything else, so a handler
 * can trust the fields it reads. Errors name the field.
 */
import { engineError } from '../flow/messages.js';
import type { EngineErrorShape } from '../flow/types.js';
import { COMMAND_NAMES, type Command } from './types.js';

/** Free text from outside with a length limit: not blank, no control characters. */
interface BoundedText {
  maxLength: number;
  optional?: true;
}

type FieldRule =
  | 'string'
  | 'string?'
  | 'object'
  | 'object?'
  | 'strings'
  | 'strings?'
  /** A list of links, each of the `link` command's shape (checked item by item in `checkLinks`). */
  | 'links?'
  | readonly string[]
  | BoundedText;

/** Limits of a link to a record in another system (`link` / `unlink`). */
export const LINK_LIMITS = { system: 64, type: 64, id: 200, url: 2000, title: 200 } as const;
const USER_ID_MAX = 200;

const linkKey = {
  system: { maxLength: LINK_LIMITS.system },
  type: { maxLength: LINK_LIMITS.type },
  id: { maxLength: LINK_LIMITS.id },
} as const;

const SHAPES: Record<Command['command'], Record<string, FieldRule>> = {
  open: {
    id: 'string',
    number: 'string',
    data: 'object',
    requester: 'object',
    channel: 'string?',
    watchers: 'strings?',
    tags: 'strings?',
    parent: 'object?',
    team: 'string?',
    links: 'links?',
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
  'subticket-finished': {
    key: 'string',
    subticketId: 'string?',
    number: 'string?',
    outcome: 'string?',
    status: 'string?',
  },
  'subticket-opened': {
    key: 'string',
    subticketId: 'string',
    number: 'string?',
    typeKey: 'string',
    nodeId: 'string?',
    error: 'string?',
  },
  'effect-failed': { key: 'string', kind: 'string', reason: 'string' },
  'reply-received': { body: 'string?' },
  watch: { user: { maxLength: USER_ID_MAX, optional: true } },
  unwatch: { user: { maxLength: USER_ID_MAX, optional: true } },
  link: {
    ...linkKey,
    url: { maxLength: LINK_LIMITS.url, optional: true },
    title: { maxLength: LINK_LIMITS.title, optional: true },
  },
  unlink: linkKey,
};

/** The fields of each shape in order, listed once (every command used to list its shape's entries again). */
const SHAPE_ENTRIES = Object.fromEntries(
  Object.entries(SHAPES).map(([name, shape]) => [name, Object.entries(shape)]),
) as Record<Command['command'], [string, FieldRule][]>;

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
  for (const [field, rule] of SHAPE_ENTRIES[name as Command['command']]) {
    const value = command[field];
    if (!fits(value, rule))
      return { ok: false, error: engineError('command.invalid', { command: name, field }, field) };
    if (isBounded(rule) && typeof value === 'string' && value.trim().length > rule.maxLength) {
      return { ok: false, error: engineError('command.too-long', { field, max: rule.maxLength }, field) };
    }
  }
  if (name === 'link' && typeof command.url === 'string' && !isWebAddress(command.url.trim())) {
    return { ok: false, error: engineError('link.url-invalid', {}, 'url') };
  }
  if (name === 'open' && Array.isArray(command.links)) {
    const refused = checkLinks(command.links as unknown[]);
    if (refused) return { ok: false, error: refused };
  }
  if (name === 'open' && typeof (command.requester as Record<string, unknown>).id !== 'string') {
    return {
      ok: false,
      error: engineError('command.invalid', { command: name, field: 'requester.id' }, 'requester/id'),
    };
  }
  return { ok: true, command: command as unknown as Command };
}

const isBounded = (rule: FieldRule): rule is BoundedText => typeof rule === 'object' && 'maxLength' in rule;

/** The links an open carries: each as `link` would take it, the field named by its place (`links/1/url`). */
function checkLinks(links: unknown[]): EngineErrorShape | undefined {
  for (const [index, link] of links.entries()) {
    const at = `links/${index}`;
    if (!isObject(link)) return engineError('command.invalid', { command: 'open', field: at }, at);
    for (const [field, rule] of SHAPE_ENTRIES.link) {
      const value = link[field];
      if (!fits(value, rule))
        return engineError('command.invalid', { command: 'open', field: `${at}/${field}` }, `${at}/${field}`);
      if (isBounded(rule) && typeof value === 'string' && value.trim().length > rule.maxLength)
        return engineError('command.too-long', { field, max: rule.maxLength }, `${at}/${field}`);
    }
    if (typeof link.url === 'string' && !isWebAddress(link.url.trim()))
      return engineError('link.url-invalid', {}, `${at}/url`);
  }
  return undefined;
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * An absolute http(s) address with a host. Other schemes (`javascript:`, `file:`, `data:`) would run or read
 * something when a user clicks the link; credentials in the address would be shown to everyone who sees it.
 */
export function isWebAddress(text: string): boolean {
  if (CONTROL_CHARACTERS.test(text) || /\s/.test(text)) return false;
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return false;
  }
  return (
    (parsed.protocol === 'http:' || parsed.protocol === 'https:') &&
    parsed.hostname.length > 0 &&
    parsed.username === '' &&
    parsed.password === ''
  );
}

function fits(value: unknown, rule: FieldRule): boolean {
  if (isBounded(rule)) {
    if (value === undefined) return rule.optional === true;
    return typeof value === 'string' && value.trim().length > 0 && !CONTROL_CHARACTERS.test(value);
  }
  if (typeof rule !== 'string') return typeof value === 'string' && rule.includes(value);
  const optional = rule.endsWith('?');
  if (value === undefined) return optional;
  switch (rule.replace('?', '')) {
    case 'string':
      return typeof value === 'string' && value.length > 0;
    case 'object':
      return isObject(value);
    case 'links':
      return Array.isArray(value);
    default:
      return Array.isArray(value) && value.every((item) => typeof item === 'string' && item.length > 0);
  }
}

/**
 * Each command's fields as JSON Schema — what `checkCommandShape` checks, written for the API description (the
 * engine itself checks with `fits`). `command` is a `const`, so the schemas can be told apart by it.
 */
export function commandJsonSchemas(): Record<Command['command'], Record<string, unknown>> {
  const schemaOf = (rule: FieldRule): Record<string, unknown> => {
    if (isBounded(rule)) return { type: 'string', minLength: 1, maxLength: rule.maxLength };
    if (typeof rule !== 'string') return { type: 'string', enum: [...rule] };
    switch (rule.replace('?', '')) {
      case 'string':
        return { type: 'string', minLength: 1 };
      case 'object':
        return { type: 'object' };
      case 'links':
        return { type: 'array', items: objectSchema(SHAPE_ENTRIES.link) };
      default:
        return { type: 'array', items: { type: 'string', minLength: 1 } };
    }
  };
  const optional = (rule: FieldRule) =>
    isBounded(rule) ? rule.optional === true : typeof rule === 'string' && rule.endsWith('?');
  const objectSchema = (entries: [string, FieldRule][]): Record<string, unknown> => ({
    type: 'object',
    required: entries.filter(([, rule]) => !optional(rule)).map(([field]) => field),
    properties: Object.fromEntries(entries.map(([field, rule]) => [field, schemaOf(rule)])),
  });
  return Object.fromEntries(
    Object.entries(SHAPE_ENTRIES).map(([name, entries]) => [
      name,
      {
        type: 'object',
        required: ['command', ...entries.filter(([, rule]) => !optional(rule)).map(([field]) => field)],
        properties: {
          command: { type: 'string', enum: [name] },
          ...Object.fromEntries(entries.map(([field, rule]) => [field, schemaOf(rule)])),
        },
      },
    ]),
  ) as unknown as Record<Command['command'], Record<string, unknown>>;
}
