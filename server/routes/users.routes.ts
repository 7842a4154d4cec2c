import type { FastifyInstance } from 'fastify';
import { requireStrongPassword } from '../access/password.js';
import { Types } from 'mongoose';
import { revokeSessionsOf } from '../access/credentials.js';
import { accessProblem } from '../access/messages.js';
import { ROLES, type Role } from '../access/roles.js';
import { calendarKeys } from '../definitions/calendars.service.js';
import { badRequest } from '../lib/problem.js';
import type { UserRecord } from '../models/user.model.js';
import { objectIdSchema, paginationQuerySchema, problemResponses } from './common.schemas.js';
import {
  attributesBodySchema,
  createUserBodySchema,
  RESERVED_ATTRIBUTE_KEYS,
  requesterAttributesViewSchema,
  toUserView,
  updateUserBodySchema,
  userViewSchema,
  type AttributesBody,
  type AttributeValue,
  type CreateUserBody,
  type RequesterAttributeView,
  type UpdateUserBody,
} from './users.schemas.js';
import { isDuplicateKey } from '../lib/sequence.js';

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

const userParamsSchema = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: objectIdSchema },
} as const;

interface ListUsersQuery {
  q?: string;
  role?: Role;
  active?: boolean;
  limit: number;
  offset: number;
}

const listUsersQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    q: { type: 'string', minLength: 1, maxLength: 100, description: 'Part of the username, name or email' },
    role: { type: 'string', enum: ROLES },
    active: { type: 'boolean' },
    ...paginationQuerySchema,
  },
} as const;

const adminOnly = { access: { roles: ['admin'] as const } };

/** The built-in requester attributes, as the rule builder lists them. */
const BUILT_IN_ATTRIBUTES: Omit<RequesterAttributeView, 'values'>[] = [
  { var: 'requester.level', key: 'level', label: { 'zh-CN': '客户等级', en: 'Customer level' } },
  { var: 'requester.department', key: 'department', label: { 'zh-CN': '部门', en: 'Department' } },
  { var: 'requester.location', key: 'location', label: { 'zh-CN': '地点', en: 'Location' } },
  { var: 'requester.costCenter', key: 'costCenter', label: { 'zh-CN': '成本中心', en: 'Cost centre' } },
  { var: 'requester.manager', key: 'manager', label: { 'zh-CN': '直属上级', en: 'Manager' } },
  { var: 'requester.locale', key: 'locale', label: { 'zh-CN': '语言', en: 'Language' } },
  { var: 'requester.id', key: 'id', label: { 'zh-CN': '提单人', en: 'Requester' } },
].map((attribute) => ({ ...attribute, type: 'string' as const, source: 'built-in' as const }));

/** Attributes whose values the rule builder offers as choices (the others are ids or free text). */
const VALUES_LISTED = new Set(['level', 'department', 'location', 'costCenter', 'locale']);
const MAX_VALUES = 50;

/** A custom attribute key that reuses a built-in name is refused: the rule could not tell them apart. */
function refuseReservedKeys(attributes: Record<string, unknown> | null | undefined, field: string): void {
  for (const key of Object.keys(attributes ?? {})) {
    if ((RESERVED_ATTRIBUTE_KEYS as readonly string[]).includes(key))
      throw badRequest(
        `${field}.${key}`,
        {
          'zh-CN': `自定义属性不能命名为“${key}”，这是内置属性的名称`,
          en: `A custom attribute cannot be named “${key}”: that is a built-in attribute`,
        },
        'attribute-key-reserved',
      );
  }
}

/** `$set` / `$unset` of the attribute fields of a body (absent: unchanged, null: cleared). */
function attributeChanges(
  body: Pick<UpdateUserBody, 'level' | 'department' | 'location' | 'costCenter'>,
  set: Record<string, unknown>,
  unset: Record<string, ''>,
): void {
  for (const field of ['level', 'department', 'location', 'costCenter'] as const) {
    const value = body[field];
    if (value === null) unset[field] = '';
    else if (value !== undefined) set[field] = value.trim();
  }
}

export async function usersRoutes(app: FastifyInstance) {
  const { User } = app.models;

  async function requireExistingUser(id: string, field: string): Promise<void> {
    if (!(await User.exists({ _id: id }))) throw accessProblem('unknown-user', { field, params: { id } });
  }

  async function requireCalendar(key: string | null | undefined, field: string): Promise<void> {
    if (key === null || key === undefined) return;
    if (!(await calendarKeys(app.db)).includes(key))
      throw badRequest(
        field,
        { 'zh-CN': `找不到标识为 ${key} 的日历`, en: `There is no calendar with key ${key}` },
        'unknown-calendar',
      );
  }

  /** Refuse a change that would leave nobody able to administer Ordo. */
  async function keepAnActiveAdmin(user: UserRecord, body: UpdateUserBody): Promise<void> {
    const wasActiveAdmin = user.active && user.roles.includes('admin');
    const losesAdmin = body.roles !== undefined && !body.roles.includes('admin');
    const deactivated = body.active === false;
    if (!wasActiveAdmin || (!losesAdmin && !deactivated)) return;
    const others = await User.countDocuments({ _id: { $ne: user._id }, roles: 'admin', active: true });
    if (others === 0)
      throw accessProblem('last-admin', { field: deactivated ? 'body.active' : 'body.roles' });
  }

  app.get<{ Querystring: ListUsersQuery }>(
    '/api/users',
    {
      // Designers pick people by name in flows (approvers, step workers, direct assignment); only admins change them.
      config: { access: { roles: ['admin', 'designer'] as const } },
      schema: {
        tags: ['people'],
        summary: 'List people (admins and designers)',
        querystring: listUsersQuerySchema,
        response: {
          200: {
            type: 'object',
            required: ['items', 'total'],
            properties: { items: { type: 'array', items: userViewSchema }, total: { type: 'integer' } },
          },
          ...problemResponses(400, 401, 403),
        },
      },
    },
    async (request) => {
      const { q, role, active, limit, offset } = request.query;
      const filter: Record<string, unknown> = {};
      if (q) {
        const pattern = { $regex: escapeRegExp(q), $options: 'i' };
        filter.$or = [{ username: pattern }, { displayName: pattern }, { email: pattern }];
      }
      if (role) filter.roles = role;
      if (active !== undefined) filter.active = active;
      const [users, total] = await Promise.all([
        User.find(filter).sort({ username: 1 }).skip(offset).limit(limit).lean(),
        User.countDocuments(filter),
      ]);
      return { items: users.map(toUserView), total };
    },
  );

  app.post<{ Body: CreateUserBody }>(
    '/api/users',
    {
      config: adminOnly,
      schema: {
        tags: ['people'],
        summary: 'Create a person',
        description: 'Without a password the person cannot sign in until an admin sets one.',
        body: createUserBodySchema,
        response: { 201: userViewSchema, ...problemResponses(400, 401, 403, 409) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const username = body.username.toLowerCase();
      if (body.manager) await requireExistingUser(body.manager, 'body.manager');
      refuseReservedKeys(body.attributes, 'body.attributes');
      await requireCalendar(body.calendar, 'body.calendar');
      if (body.password) requireStrongPassword(body.password, username, 'body.password');
      const now = new Date(app.clock.now());
      let created;
      try {
        created = await User.create({
          username,
          displayName: body.displayName,
          email: body.email,
          roles: body.roles,
          locale: body.locale,
          department: body.department?.trim(),
          level: body.level?.trim(),
          location: body.location?.trim(),
          costCenter: body.costCenter?.trim(),
          attributes:
            body.attributes && Object.keys(body.attributes).length > 0 ? body.attributes : undefined,
          calendar: body.calendar,
          manager: body.manager ? new Types.ObjectId(body.manager) : undefined,
          active: body.active,
          password: body.password ? await app.passwords.hash(body.password) : undefined,
          createdAt: now,
          updatedAt: now,
        });
      } catch (error) {
        if (isDuplicateKey(error)) {
          throw accessProblem('username-taken', { field: 'body.username', params: { username } });
        }
        throw error;
      }
      return reply.status(201).send(toUserView(created.toObject()));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/users/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['people'],
        summary: 'One person',
        params: userParamsSchema,
        response: { 200: userViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const user = await User.findById(request.params.id).lean();
      if (!user) throw accessProblem('user-not-found');
      return toUserView(user);
    },
  );

  app.patch<{ Params: { id: string }; Body: UpdateUserBody }>(
    '/api/users/:id',
    {
      config: adminOnly,
      schema: {
        tags: ['people'],
        summary: 'Change a person: details, requester attributes, roles, password, or deactivate',
        description:
          'Deactivating a person or setting their password ends their sessions. `null` clears department, ' +
          'level, location, cost centre, custom attributes, calendar and manager; `attributes` replaces the ' +
          'custom attributes as a whole. At least one active admin always remains.',
        params: userParamsSchema,
        body: updateUserBodySchema,
        response: { 200: userViewSchema, ...problemResponses(400, 401, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const body = request.body;
      const user = await User.findById(id).lean();
      if (!user) throw accessProblem('user-not-found');
      if (body.manager === id) throw accessProblem('manager-self', { field: 'body.manager' });
      if (body.manager) await requireExistingUser(body.manager, 'body.manager');
      refuseReservedKeys(body.attributes, 'body.attributes');
      await requireCalendar(body.calendar, 'body.calendar');
      await keepAnActiveAdmin(user, body);

      const set: Record<string, unknown> = { updatedAt: new Date(app.clock.now()) };
      const unset: Record<string, ''> = {};
      const username = body.username?.toLowerCase();
      if (username !== undefined) set.username = username;
      for (const field of ['displayName', 'email', 'roles', 'locale', 'active'] as const) {
        if (body[field] !== undefined) set[field] = body[field];
      }
      attributeChanges(body, set, unset);
      if (body.attributes === null || (body.attributes && Object.keys(body.attributes).length === 0))
        unset.attributes = '';
      else if (body.attributes !== undefined) set.attributes = body.attributes;
      if (body.calendar === null) unset.calendar = '';
      else if (body.calendar !== undefined) set.calendar = body.calendar;
      if (body.manager === null) unset.manager = '';
      else if (body.manager !== undefined) set.manager = new Types.ObjectId(body.manager);
      if (body.password !== undefined) {
        requireStrongPassword(body.password, username ?? user.username, 'body.password');
        set.password = await app.passwords.hash(body.password);
      }

      try {
        await User.updateOne(
          { _id: user._id },
          { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
        );
      } catch (error) {
        if (isDuplicateKey(error)) {
          throw accessProblem('username-taken', { field: 'body.username', params: { username } });
        }
        throw error;
      }
      if (body.active === false || body.password !== undefined) await revokeSessionsOf(app.models, user._id);
      const updated = await User.findById(user._id).lean();
      if (!updated) throw accessProblem('user-not-found');
      return toUserView(updated);
    },
  );

  app.patch<{ Params: { id: string }; Body: AttributesBody }>(
    '/api/users/:id/attributes',
    {
      config: { access: { roles: ['admin'], scopes: ['people:write'] } },
      schema: {
        tags: ['people'],
        summary: 'Set a person’s requester attributes (admins and integrations)',
        description:
          'What routing and priority rules read as `requester.*` when the person opens a ticket: level, ' +
          'department, location, cost centre and custom attributes. `:id` is the person’s id or username. ' +
          'Absent fields stay as they are, `null` clears one; custom `attributes` are merged key by key ' +
          '(a key set to `null` is removed). API keys need the `people:write` scope.',
        params: {
          type: 'object',
          required: ['id'],
          additionalProperties: false,
          properties: {
            id: { type: 'string', minLength: 2, maxLength: 64, description: 'User id or username' },
          },
        },
        body: attributesBodySchema,
        response: { 200: userViewSchema, ...problemResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const body = request.body;
      const byId = /^[0-9a-f]{24}$/.test(id) ? await User.findById(id).lean() : null;
      const user = byId ?? (await User.findOne({ username: id.toLowerCase() }).lean());
      if (!user) throw accessProblem('user-not-found', { field: 'params.id' });
      refuseReservedKeys(body.attributes, 'body.attributes');

      const set: Record<string, unknown> = { updatedAt: new Date(app.clock.now()) };
      const unset: Record<string, ''> = {};
      attributeChanges(body, set, unset);
      if (body.attributes !== undefined) {
        const merged: Record<string, AttributeValue> = { ...(user.attributes ?? {}) };
        for (const [key, value] of Object.entries(body.attributes)) {
          if (value === null) delete merged[key];
          else merged[key] = value;
        }
        if (Object.keys(merged).length > 30)
          throw badRequest(
            'body.attributes',
            {
              'zh-CN': '每人最多 30 个自定义属性',
              en: 'A person may have at most 30 custom attributes',
            },
            'too-many-attributes',
          );
        if (Object.keys(merged).length === 0) unset.attributes = '';
        else set.attributes = merged;
      }
      await User.updateOne(
        { _id: user._id },
        { $set: set, ...(Object.keys(unset).length ? { $unset: unset } : {}) },
      );
      const updated = await User.findById(user._id).lean();
      if (!updated) throw accessProblem('user-not-found');
      return toUserView(updated);
    },
  );

  app.get(
    '/api/requester-attributes',
    {
      config: { access: { roles: ['admin', 'designer', 'agent'], scopes: ['definitions:read'] } },
      schema: {
        tags: ['people'],
        summary: 'The requester attributes rules may read, for the rule builder',
        description:
          'Each attribute as its rule variable (`requester.level`), labels in both languages, its type, and ' +
          'the values people hold (up to 50, most common first). Custom attributes are listed once anyone ' +
          'holds them.',
        response: { 200: requesterAttributesViewSchema, ...problemResponses(401, 403) },
      },
    },
    async () => {
      const people = await User.find(
        { active: true },
        { level: 1, department: 1, location: 1, costCenter: 1, locale: 1, attributes: 1 },
      ).lean();
      const counts = new Map<string, Map<AttributeValue, number>>();
      const types = new Map<string, RequesterAttributeView['type']>();
      const count = (key: string, value: AttributeValue) => {
        const values = counts.get(key) ?? new Map<AttributeValue, number>();
        values.set(value, (values.get(value) ?? 0) + 1);
        counts.set(key, values);
      };
      for (const person of people) {
        for (const key of VALUES_LISTED) {
          const value = (person as unknown as Record<string, unknown>)[key];
          if (typeof value === 'string' && value !== '') count(key, value);
        }
        for (const [key, value] of Object.entries(person.attributes ?? {})) {
          count(`custom:${key}`, value);
          const type = typeof value as RequesterAttributeView['type'];
          types.set(key, types.has(key) && types.get(key) !== type ? 'string' : type);
        }
      }
      const valuesOf = (key: string) =>
        [...(counts.get(key) ?? new Map<AttributeValue, number>()).entries()]
          .sort((a, b) => b[1] - a[1] || String(a[0]).localeCompare(String(b[0])))
          .slice(0, MAX_VALUES)
          .map(([value]) => value);
      const items: RequesterAttributeView[] = BUILT_IN_ATTRIBUTES.map((attribute) => ({
        ...attribute,
        values: VALUES_LISTED.has(attribute.key) ? valuesOf(attribute.key) : [],
      }));
      for (const key of [...types.keys()].sort())
        items.push({
          var: `requester.${key}`,
          key,
          label: { 'zh-CN': key, en: key },
          type: types.get(key)!,
          source: 'custom',
          values: valuesOf(`custom:${key}`),
        });
      return { items };
    },
  );
}
