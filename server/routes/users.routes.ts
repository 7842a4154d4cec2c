import type { FastifyInstance } from 'fastify';
import { Types } from 'mongoose';
import { revokeSessionsOf } from '../access/credentials.js';
import { accessProblem } from '../access/messages.js';
import { ROLES, type Role } from '../access/roles.js';
import type { UserRecord } from '../models/user.model.js';
import { objectIdSchema, paginationQuerySchema, problemResponses } from './common.schemas.js';
import {
  createUserBodySchema,
  toUserView,
  updateUserBodySchema,
  userViewSchema,
  type CreateUserBody,
  type UpdateUserBody,
} from './users.schemas.js';

const isDuplicateKey = (error: unknown) => (error as { code?: number }).code === 11000;
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

export async function usersRoutes(app: FastifyInstance) {
  const { User } = app.models;

  async function requireExistingUser(id: string, field: string): Promise<void> {
    if (!(await User.exists({ _id: id }))) throw accessProblem('unknown-user', { field, params: { id } });
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
      config: adminOnly,
      schema: {
        tags: ['people'],
        summary: 'List people',
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
      const now = new Date(app.clock.now());
      let created;
      try {
        created = await User.create({
          username,
          displayName: body.displayName,
          email: body.email,
          roles: body.roles,
          locale: body.locale,
          department: body.department,
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
        summary: 'Change a person: details, roles, password, or deactivate',
        description:
          'Deactivating a person or setting their password ends their sessions. `null` clears department ' +
          'and manager. At least one active admin always remains.',
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
      await keepAnActiveAdmin(user, body);

      const set: Record<string, unknown> = { updatedAt: new Date(app.clock.now()) };
      const unset: Record<string, ''> = {};
      const username = body.username?.toLowerCase();
      if (username !== undefined) set.username = username;
      for (const field of ['displayName', 'email', 'roles', 'locale', 'active'] as const) {
        if (body[field] !== undefined) set[field] = body[field];
      }
      if (body.department === null) unset.department = '';
      else if (body.department !== undefined) set.department = body.department;
      if (body.manager === null) unset.manager = '';
      else if (body.manager !== undefined) set.manager = new Types.ObjectId(body.manager);
      if (body.password !== undefined) set.password = await app.passwords.hash(body.password);

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
}
