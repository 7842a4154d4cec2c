import type { FastifyInstance } from 'fastify';
import type { Locale } from '../../runtime/common/types.js';
import { badRequest } from '../lib/problem.js';
import { isDuplicateKey } from '../lib/sequence.js';

/** How a ticket opened on someone's behalf names a requester who may not have an id at hand (a caller, a chat). */
export interface RequesterContact {
  email?: string;
  phone?: string;
  /** With `email`: who to add as a requester when nobody has that address yet. */
  displayName?: string;
}

export const requesterContactSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  description:
    'The requester by e-mail address or phone number, when the caller has no user id at hand. Nobody found: ' +
    'with `displayName` and `email` they are added as a requester; without, 400 naming this field.',
  properties: {
    email: { type: 'string', format: 'email', maxLength: 200 },
    phone: { type: 'string', minLength: 3, maxLength: 40, pattern: '^\\+?[0-9][0-9 ()-]*[0-9]$' },
    displayName: { type: 'string', minLength: 1, maxLength: 100 },
  },
} as const;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

interface PersonLean {
  _id: unknown;
  displayName: string;
}

/** A username for a new requester: the e-mail's local part, numbered while taken. */
function usernameBase(email: string): string {
  return (
    email
      .split('@')[0]!
      .toLowerCase()
      .replace(/[^a-z0-9._-]/g, '')
      .replace(/^[^a-z0-9]+/, '')
      .slice(0, 48) || 'requester'
  );
}

/**
 * Adds a person with the requester role and no password (they sign in through a link or an admin later). The
 * unique username index is the commit point; a taken name gets a number. Undefined when twenty are taken.
 */
export async function createRequesterUser(
  app: FastifyInstance,
  input: { displayName: string; email: string; phone?: string; locale: Locale },
) {
  const base = usernameBase(input.email);
  const now = new Date(app.clock.now());
  for (let attempt = 1; attempt <= 20; attempt += 1) {
    const username = attempt === 1 ? base.padEnd(2, '0') : `${base}-${attempt}`;
    try {
      return await app.models.User.create({
        username,
        displayName: input.displayName,
        email: input.email,
        roles: ['requester'],
        locale: input.locale,
        ...(input.phone ? { attributes: { phone: input.phone } } : {}),
        active: true,
        createdAt: now,
        updatedAt: now,
      });
    } catch (error) {
      if (!isDuplicateKey(error)) throw error;
    }
  }
  return undefined;
}

/**
 * The user id a contact names: the active person with that e-mail address (any case) or phone number; nobody,
 * and a name and address given: a requester added now. Two people with the same phone number are ambiguous: 400.
 */
export async function requesterIdOfContact(
  app: FastifyInstance,
  contact: RequesterContact,
  locale: Locale,
  field = 'body.requesterContact',
): Promise<string> {
  const { User } = app.models;
  const email = contact.email?.trim();
  const phone = contact.phone?.trim();
  const displayName = contact.displayName?.trim();
  if (!email && !phone)
    throw badRequest(field, {
      'zh-CN': '请填写提单人的邮箱或电话',
      en: 'give the requester’s e-mail address or phone number',
    });
  if (email) {
    const found = await User.findOne(
      { email: { $regex: `^${escapeRegExp(email)}$`, $options: 'i' }, active: true },
      { displayName: 1 },
    ).lean<PersonLean>();
    if (found) return String(found._id);
  }
  if (phone) {
    const found = await User.find({ 'attributes.phone': phone, active: true }, { displayName: 1 })
      .limit(2)
      .lean<PersonLean[]>();
    if (found.length > 1)
      throw badRequest(`${field}.phone`, {
        'zh-CN': '有多人使用这个电话号码，请改用邮箱或用户 ID',
        en: 'several people have this phone number: give an e-mail address or a user id instead',
      });
    if (found.length === 1) return String(found[0]!._id);
  }
  if (!email || !displayName)
    throw badRequest(field, {
      'zh-CN': '找不到这位提单人；要新建，请同时填写姓名（displayName）和邮箱（email）',
      en: 'names nobody; to add them as a requester, give displayName and email',
    });
  const created = await createRequesterUser(app, {
    displayName,
    email,
    ...(phone ? { phone } : {}),
    locale,
  });
  if (!created)
    throw badRequest(`${field}.email`, {
      'zh-CN': '无法为此人生成用户名，请联系管理员',
      en: 'no free username for this person; ask an admin',
    });
  return String(created._id);
}
