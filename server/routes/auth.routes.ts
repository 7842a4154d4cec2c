import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Locale } from '../../runtime/common/types.js';
import { createSession, presentedCredential, revokeSession } from '../access/credentials.js';
import { accessProblem } from '../access/messages.js';
import { PASSWORD_MAX_LENGTH, requireStrongPassword } from '../access/password.js';
import type { UserPrincipal } from '../access/principal.js';
import { accessContextOf } from '../access/record-rules.js';
import { LOCALES } from '../access/roles.js';
import { badRequest, HttpProblem } from '../lib/problem.js';
import { clearSessionCookie, SESSION_COOKIE, setSessionCookie } from '../plugins/auth.plugin.js';
import { noContent, problemResponses } from './common.schemas.js';
import { LoginLimiter } from './login-limits.js';
import { passwordSchema, rolesSchema, toUserView, userViewSchema } from './users.schemas.js';

interface LoginBody {
  username: string;
  password: string;
}

const loginBodySchema = {
  type: 'object',
  required: ['username', 'password'],
  additionalProperties: false,
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
  },
} as const;

const loginResponseSchema = {
  type: 'object',
  required: ['token', 'expiresAt', 'user'],
  properties: {
    token: {
      type: 'string',
      description: 'Send as `Authorization: Bearer <token>`; the cookie carries it too',
    },
    expiresAt: { type: 'string', format: 'date-time' },
    user: {
      type: 'object',
      required: ['id', 'username', 'displayName', 'roles'],
      properties: {
        id: { type: 'string' },
        username: { type: 'string' },
        displayName: { type: 'string' },
        roles: rolesSchema,
      },
    },
  },
} as const;

const meViewSchema = {
  ...userViewSchema,
  required: [...userViewSchema.required, 'teams', 'supervises'],
  properties: {
    ...userViewSchema.properties,
    teams: { type: 'array', items: { type: 'string' }, description: 'Keys of the teams the person works in' },
    supervises: { type: 'array', items: { type: 'string' }, description: 'Keys of the teams they supervise' },
  },
} as const;

interface UpdateMeBody {
  displayName?: string;
  locale?: Locale;
  currentPassword?: string;
  newPassword?: string;
}

const updateMeBodySchema = {
  type: 'object',
  minProperties: 1,
  additionalProperties: false,
  properties: {
    displayName: { type: 'string', minLength: 1, maxLength: 100 },
    locale: { type: 'string', enum: LOCALES },
    currentPassword: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
    newPassword: passwordSchema,
  },
} as const;

export async function authRoutes(app: FastifyInstance) {
  const { User, Session } = app.models;
  const passwords = app.passwords;
  const limits = new LoginLimiter(app.db, () => app.clock.now(), {
    perAddress: app.ordo.loginRateLimit ?? 10,
    freeFailures: app.ordo.loginFreeFailures ?? 5,
  });
  await limits.ensureIndexes();
  // Attempts past their window go (MongoDB's TTL index does it there too; FerretDB 1.24 has none).
  const sweep = setInterval(() => {
    limits
      .sweep()
      .catch((error: unknown) => app.log.warn({ err: error }, 'clearing old login attempts failed'));
  }, 60_000);
  sweep.unref();
  app.addHook('onClose', async () => clearInterval(sweep));

  async function meView(principal: UserPrincipal, request: FastifyRequest) {
    const user = await User.findById(principal.id).lean();
    if (!user) throw accessProblem('session-invalid');
    const { teams } = await accessContextOf(request);
    return { ...toUserView(user), teams: teams.memberOf, supervises: teams.supervises };
  }

  app.post<{ Body: LoginBody }>(
    '/api/auth/login',
    {
      // Limits per address and per account are counted in the database, shared by every process (login-limits.ts).
      config: { access: { public: true } },
      schema: {
        tags: ['auth'],
        summary: 'Sign in: sets the session cookie and returns a bearer token',
        body: loginBodySchema,
        response: { 200: loginResponseSchema, ...problemResponses(400, 401, 429) },
      },
    },
    async (request, reply) => {
      const username = request.body.username.trim().toLowerCase();
      try {
        await limits.admit(request.ip, username);
      } catch (error) {
        const retryAfter = error instanceof HttpProblem ? error.options.extra?.retryAfter : undefined;
        if (typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
        throw error;
      }
      const user = await User.findOne({ username }).lean();
      // Always one scrypt run, whether the user exists or not, and one answer for every kind of failure.
      const passwordMatches = await passwords.verify(request.body.password, user?.password);
      if (!user || !passwordMatches || !user.active) {
        await limits.failed(username);
        throw accessProblem('invalid-credentials');
      }
      await limits.succeeded(username);
      if (user.password && passwords.needsRehash(user.password)) {
        await User.updateOne(
          { _id: user._id },
          { $set: { password: await passwords.hash(request.body.password) } },
        );
      }
      const { token, expiresAt } = await createSession(app.models, user._id, app.clock.now());
      setSessionCookie(request, reply, token);
      return {
        token,
        expiresAt: expiresAt.toISOString(),
        user: {
          id: user._id.toHexString(),
          username: user.username,
          displayName: user.displayName,
          roles: user.roles,
        },
      };
    },
  );

  app.post(
    '/api/auth/logout',
    {
      // Public so that signing out with an already expired session still clears the cookie.
      config: { access: { public: true } },
      schema: {
        tags: ['auth'],
        summary: 'Sign out: ends the session and clears the cookie',
        response: { 204: noContent, ...problemResponses(400) },
      },
    },
    async (request, reply) => {
      const cookie = request.cookies[SESSION_COOKIE];
      const credential = presentedCredential(request.headers, undefined);
      if (cookie) await revokeSession(app.models, cookie);
      if (credential.kind === 'bearer') await revokeSession(app.models, credential.value);
      clearSessionCookie(request, reply);
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/me',
    {
      config: { access: {} },
      schema: {
        tags: ['auth'],
        summary: 'The signed-in person, their roles and teams',
        response: { 200: meViewSchema, ...problemResponses(401, 403) },
      },
    },
    async (request) => meView(request.principal as UserPrincipal, request),
  );

  app.patch<{ Body: UpdateMeBody }>(
    '/api/me',
    {
      config: { access: {} },
      schema: {
        tags: ['auth'],
        summary: 'Change one’s own display name, language or password',
        description: 'Changing the password needs the current one and ends every other session.',
        body: updateMeBodySchema,
        response: { 200: meViewSchema, ...problemResponses(400, 401, 403) },
      },
    },
    async (request) => {
      const principal = request.principal as UserPrincipal;
      const { displayName, locale, currentPassword, newPassword } = request.body;
      const set: Record<string, unknown> = { updatedAt: new Date(app.clock.now()) };
      if (displayName !== undefined) set.displayName = displayName;
      if (locale !== undefined) set.locale = locale;
      if (newPassword !== undefined) {
        if (currentPassword === undefined) {
          throw badRequest('body.currentPassword', 'The current password is needed to set a new one');
        }
        const user = await User.findById(principal.id).lean();
        if (!(await passwords.verify(currentPassword, user?.password))) {
          throw accessProblem('wrong-current-password', { field: 'body.currentPassword' });
        }
        requireStrongPassword(newPassword, principal.username, 'body.newPassword');
        set.password = await passwords.hash(newPassword);
      }
      await User.updateOne({ _id: principal.id }, { $set: set });
      if (newPassword !== undefined) {
        await Session.deleteMany({ userId: principal.id, _id: { $ne: principal.sessionId } });
      }
      return meView(principal, request);
    },
  );
}
