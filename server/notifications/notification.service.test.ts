import http from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose, { type Connection, Types } from 'mongoose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TicketEffect, TicketState } from '../../runtime/engine/types.js';
import { testDatabaseUri } from '../../test/support/database.js';
import type { Role } from '../access/roles.js';
import { createIndexes, peopleModels, type PeopleModels } from '../models/index.js';
import { verifyLink } from '../public/signed-link.js';
import type { LoadedDefinition } from '../tickets/ticket.service.js';
import { NOTIFICATIONS_COLLECTION, type InAppNotification } from './in-app.js';
import { NotificationService, type CommitView } from './notification.service.js';
import {
  ATTEMPTS_COLLECTION,
  OUTBOX_COLLECTION,
  PENDING_COLLECTION,
  RETRY_DELAYS_MS,
  type OutboxEntry,
} from './outbox.js';
import { smtpMailSender } from './transports.js';
import { decodeQuotedPrintable, startSmtpListener, type SmtpListener } from './test-support/smtp-listener.js';
import { ticketStateFixture } from './test-support/ticket-state.fixture.js';

const SECRET = 's'.repeat(40);
const T0 = Date.parse('2026-03-02T02:00:00Z');
const MINUTE = 60_000;

let db: Connection;
let models: PeopleModels;
const people: Record<string, string> = {};

const definition: LoadedDefinition = {
  key: 'it.incident',
  version: 1,
  category: 'it',
  definition: {
    name: { 'zh-CN': 'IT 故障', en: 'IT incident' },
    notifications: {
      'change-rejected': {
        subject: { 'zh-CN': '变更被拒绝：{{ticket.number}}', en: 'Change rejected: {{ticket.number}}' },
        body: {
          'zh-CN': '{{ticket.title}} 的变更未获批准。',
          en: 'The change for {{ticket.title}} was not approved.',
        },
      },
      broken: {
        subject: { 'zh-CN': '{{#if}}', en: '{{#if}}' },
        body: { 'zh-CN': 'x', en: 'x' },
      },
      'confirm-requested': {
        subject: { 'zh-CN': '请确认 {{ticket.number}}', en: 'Confirm {{ticket.number}}' },
        body: { 'zh-CN': '链接：{{link.url}}', en: 'Link: {{link.url}}' },
      },
      'approval-requested': {
        subject: { 'zh-CN': '{{> partial}}', en: '{{> partial}}' },
        body: { 'zh-CN': 'x', en: 'x' },
      },
    },
  },
};

function service(overrides: Partial<ConstructorParameters<typeof NotificationService>[0]> = {}) {
  return new NotificationService({
    db,
    models,
    secret: SECRET,
    publicUrl: 'https://ordo.example.com',
    definitionOf: () => Promise.resolve(definition),
    zoneOf: () => 'Asia/Shanghai',
    log: { warn: () => undefined, error: () => undefined },
    ...overrides,
  });
}

const commit = (events: unknown[] = [], actorName = 'Agent Smith'): CommitView => ({
  payload: { actor: { id: 'someone', kind: 'user', name: actorName }, events },
});

const notify = (
  key: string,
  template: string,
  recipients: unknown[],
  extra: Record<string, unknown> = {},
): TicketEffect => ({
  kind: 'notify',
  key,
  ticketId: 'tfixture0001',
  template,
  recipients,
  ...extra,
});

async function addUser(username: string, roles: Role[], locale: 'zh-CN' | 'en' = 'en', active = true) {
  const user: { _id: Types.ObjectId } = await models.User.create({
    username,
    displayName: username.toUpperCase(),
    email: `${username}@example.com`,
    roles,
    locale,
    active,
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
  });
  people[username] = user._id.toHexString();
  return people[username];
}

function stateWith(overrides: Partial<TicketState> = {}): TicketState {
  return ticketStateFixture({
    requester: { id: people.requester!, name: 'REQUESTER', email: 'requester@example.com' },
    assignee: people.agent!,
    team: 'it-ops',
    watchers: [people.watcher!],
    ...overrides,
  });
}

const outbox = () => db.collection<OutboxEntry>(OUTBOX_COLLECTION);
const pendingMarkers = () => db.collection(PENDING_COLLECTION);
const inboxItems = () => db.collection<InAppNotification>(NOTIFICATIONS_COLLECTION);
/** Every delivery of the fixture ticket (in-app ones are notifications, not outbox entries), by effect key. */
const deliveries = async () =>
  (await service().deliveriesOf('tfixture0001')).sort((a, b) => a.effectKey.localeCompare(b.effectKey));

/** The database commands `run` sends, as "name collection filter" lines. */
let recording: string[] | undefined;
function describeCommand(command: Record<string, unknown>): string {
  const name = Object.keys(command)[0]!;
  const target = String(command[name]);
  const filter =
    command.filter ??
    (command.updates as { q: unknown }[] | undefined)?.[0]?.q ??
    (command.deletes as { q: unknown }[] | undefined)?.[0]?.q;
  return `${target}${filter ? ` ${JSON.stringify(filter)}` : ''}`;
}
async function commandsOf(run: () => Promise<unknown>): Promise<string[]> {
  recording = [];
  try {
    await run();
    return recording;
  } finally {
    recording = undefined;
  }
}

beforeAll(async () => {
  db = mongoose.createConnection(testDatabaseUri('notification-service'), {
    autoIndex: false,
    retryWrites: false,
    monitorCommands: true,
  });
  await db.asPromise();
  db.getClient().on('commandStarted', (event) => {
    if (recording) recording.push(`${event.commandName} ${describeCommand(event.command)}`);
  });
  await db.dropDatabase();
  models = peopleModels(db);
  await createIndexes({ ...models });
  await addUser('requester', ['requester'], 'zh-CN');
  await addUser('agent', ['agent'], 'en');
  await addUser('watcher', ['requester'], 'en');
  await addUser('boss', ['agent'], 'zh-CN');
  await addUser('manager1', ['agent', 'designer']);
  await addUser('retired', ['designer'], 'en', false);
  await models.Team.create({
    key: 'it-ops',
    name: { 'zh-CN': '运维', en: 'IT ops' },
    supervisor: new Types.ObjectId(people.boss),
    members: [{ userId: new Types.ObjectId(people.agent), skills: {} }],
    createdAt: new Date(T0),
    updatedAt: new Date(T0),
  });
  await service().ensureIndexes();
});

afterAll(async () => {
  await db.dropDatabase();
  await db.close();
});

beforeEach(async () => {
  await outbox().deleteMany({});
  await db.collection(ATTEMPTS_COLLECTION).deleteMany({});
  await pendingMarkers().deleteMany({});
  await db.collection(NOTIFICATIONS_COLLECTION).deleteMany({});
});

describe('outbox', () => {
  it('turns a repeated effect into one entry per recipient and channel', async () => {
    const notifications = service();
    const effect = notify('tfixture0001:5:assigned', 'ticket-assigned', [{ user: people.agent }]);
    await notifications.handleEffect(effect, commit(), stateWith(), T0);
    await notifications.handleEffect(effect, commit(), stateWith(), T0 + 1000);

    const entries = await deliveries();
    expect(entries.map((entry) => entry._id)).toEqual([`tfixture0001:5:assigned:in-app:${people.agent}`]);
    // In-app is delivered with the change, once: the notification is its own record, no outbox entry.
    expect(entries[0]).toMatchObject({
      status: 'sent',
      attempts: 1,
      channel: 'in-app',
      template: 'ticket-assigned',
      sentAt: new Date(T0),
    });
    expect(await inboxItems().countDocuments({})).toBe(1);
    expect(await outbox().countDocuments({})).toBe(0);
    expect(await db.collection(ATTEMPTS_COLLECTION).countDocuments({})).toBe(0);
  });

  it('stores nothing new when an effect runs again after its notice was delivered and read', async () => {
    const notifications = service();
    const effect = notify('k:again', 'ticket-assigned', [{ user: people.agent }]);
    await notifications.handleEffect(effect, commit(), stateWith(), T0);
    const id = `k:again:in-app:${people.agent}`;
    expect(await notifications.inbox.markRead(people.agent!, id, T0 + 500)).toMatchObject({ _id: id });

    // The reconciler runs the commit's effects again (after a crash): the notice renders, its insert is refused.
    const writes = (
      await commandsOf(() => notifications.handleEffect(effect, commit(), stateWith(), T0 + 1000))
    ).filter((command) => !command.startsWith('find'));
    expect(writes).toEqual(['insert notifications']);
    const stored = await inboxItems().find({}).toArray();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ _id: id, createdAt: new Date(T0), readAt: new Date(T0 + 500) });
    expect(await notifications.inbox.unreadCount(people.agent!)).toBe(0);
  });

  it('marks read only the owner’s notification, and keeps the first time', async () => {
    const notifications = service();
    await notifications.handleEffect(
      notify('k:read', 'ticket-assigned', [{ user: people.agent }]),
      commit(),
      stateWith(),
      T0,
    );
    const id = `k:read:in-app:${people.agent}`;
    expect(await notifications.inbox.markRead(people.watcher!, id, T0)).toBeNull();
    expect(await notifications.inbox.markRead(people.agent!, 'k:none', T0)).toBeNull();
    const marking = await commandsOf(() => notifications.inbox.markRead(people.agent!, id, T0 + 1));
    expect(marking).toEqual([`find notifications {"_id":"${id}"}`, `update notifications {"_id":"${id}"}`]);
    expect(await notifications.inbox.markRead(people.agent!, id, T0 + 2)).toMatchObject({
      readAt: new Date(T0 + 1),
    });
  });

  it('reads people again after forgetPeople, and reuses them until then', async () => {
    const notifications = service();
    const temp = await addUser('temp', ['agent'], 'en');
    const toTemp = (n: number) => notify(`k:forget:${n}`, 'ticket-assigned', [{ user: temp }]);
    await notifications.handleEffect(toTemp(1), commit(), stateWith(), T0);
    await models.User.updateOne({ _id: new Types.ObjectId(temp) }, { $set: { active: false } });
    // Within the few seconds people are reused, this process's own cache still has them...
    await notifications.handleEffect(toTemp(2), commit(), stateWith(), T0);
    // ...until told that people changed (the plugin does after /api/users and /api/teams changes).
    notifications.forgetPeople();
    await notifications.handleEffect(toTemp(3), commit(), stateWith(), T0);
    expect(
      (await inboxItems().find({ userId: temp }).toArray()).map((item) => item.effectKey).sort(),
    ).toEqual(['k:forget:1', 'k:forget:2']);
  });

  it('lists a ticket’s in-app and email deliveries together, oldest first, each once', async () => {
    const notifications = service({ mail: { send: () => Promise.resolve(), close: () => undefined } });
    await notifications.handleEffect(
      notify('k:both', 'ticket-assigned', [{ user: people.agent }]),
      commit(),
      stateWith(),
      T0,
    );
    // An in-app entry queued (and delivered) before notifications were their own record: listed once.
    const legacyId = `k:legacy:in-app:${people.watcher}`;
    await outbox().insertOne({
      ...(await outbox().findOne({}))!,
      _id: legacyId,
      effectKey: 'k:legacy',
      channel: 'in-app',
      recipient: people.watcher!,
      address: null,
      status: 'sent',
      attempts: 1,
      createdAt: new Date(T0 - MINUTE),
    });
    await inboxItems().insertOne({
      _id: legacyId,
      userId: people.watcher!,
      ticketId: 'tfixture0001',
      ticketNumber: 'INC-2026-000001',
      template: 'ticket-assigned',
      subject: 's',
      body: 'b',
      text: 't',
      link: null,
      createdAt: new Date(T0 - MINUTE),
      readAt: null,
    });
    const listed = await notifications.deliveriesOf('tfixture0001');
    expect(listed.map((entry) => [entry.channel, entry.recipient, entry.status, entry.attempts])).toEqual([
      ['in-app', people.watcher, 'sent', 1],
      ['email', people.agent, 'pending', 0],
      ['in-app', people.agent, 'sent', 1],
    ]);
    expect(listed[2]).toMatchObject({ recipientName: 'AGENT', locale: 'en' });
    expect(listed[2]!.subject).toContain('INC-2026-000001');
    expect(await notifications.deliveriesOf('tsomethingelse')).toEqual([]);
  });

  it('resolves requester, assignee, watchers, supervisor, roles, users and addresses, each once', async () => {
    const notifications = service();
    await notifications.handleEffect(
      notify('k:recipients', 'change-rejected', [
        'requester',
        'assignee',
        'watchers',
        'supervisor',
        { role: 'designer' },
        { user: people.agent },
        { email: 'Outside@Example.org' },
        { address: 'requester@example.com' },
        { team: 'it-ops' },
      ]),
      commit(),
      stateWith(),
      T0,
    );
    const recipients = (await deliveries()).map((entry) => entry.recipient).sort();
    // The inactive designer is left out; the requester's own address is the requester; outside@ gets no
    // in-app entry (nor email: SMTP is not configured here).
    expect(recipients).toEqual(
      [people.requester, people.agent, people.watcher, people.boss, people.manager1].sort(),
    );
  });

  it('renders the type’s template in each recipient’s language', async () => {
    await service().handleEffect(
      notify('k:lang', 'change-rejected', ['requester', 'assignee']),
      commit(),
      stateWith(),
      T0,
    );
    const byRecipient = new Map((await deliveries()).map((entry) => [entry.recipient, entry]));
    expect(byRecipient.get(people.requester!)).toMatchObject({
      subject: '变更被拒绝：INC-2026-000001',
      locale: 'zh-CN',
    });
    expect(byRecipient.get(people.agent!)).toMatchObject({
      subject: 'Change rejected: INC-2026-000001',
      body: 'The change for Printer on fire was not approved.',
    });
  });

  it('uses the built-in template when the type has none, and a generic one for unknown keys', async () => {
    await service({ definitionOf: () => Promise.resolve(undefined) }).handleEffect(
      notify('k:builtin', 'step-overdue', ['assignee'], { nodeId: 'triage' }),
      commit(),
      stateWith(),
      T0,
    );
    await service().handleEffect(
      notify('k:unknown', 'no-such-template', ['assignee']),
      commit(),
      stateWith(),
      T0,
    );
    const [overdue, generic] = await deliveries();
    expect(overdue!.subject).toBe('Step overdue: INC-2026-000001 Printer on fire');
    expect(overdue!.text).toContain('The step “triage”');
    expect(overdue!.body).toContain(
      '<a href="https://ordo.example.com/tickets/tfixture0001">Open the ticket</a>',
    );
    expect(generic!.subject).toBe('Ticket updated: INC-2026-000001 Printer on fire');
  });

  it('sends a default text when the type’s template cannot be rendered, and records why', async () => {
    await service().handleEffect(notify('k:broken', 'broken', ['assignee']), commit(), stateWith(), T0);
    await service().handleEffect(
      notify('k:partial', 'approval-requested', ['assignee']),
      commit(),
      stateWith(),
      T0,
    );
    const [broken, partial] = await deliveries();
    // No built-in text of that key: the generic one.
    expect(broken).toMatchObject({
      status: 'sent',
      subject: 'Ticket updated: INC-2026-000001 Printer on fire',
    });
    expect(broken!.renderProblems![0]).toContain('“broken”');
    // A built-in text exists: it replaces the broken one.
    expect(partial!.subject).toBe('Approval needed: INC-2026-000001 Printer on fire');
    expect(partial!.renderProblems![0]).toContain('partials');
  });

  it('escapes what requesters wrote in HTML bodies', async () => {
    const publicComment = commit([
      { type: 'comment.added', data: { body: '<img src=x onerror=alert(1)> & more', visibility: 'public' } },
    ]);
    await service().handleEffect(
      notify('k:xss', 'comment-added', [{ user: people.agent }]),
      publicComment,
      stateWith(),
      T0,
    );
    const [entry] = await deliveries();
    expect(entry!.body).toContain('&lt;img src&#x3D;x onerror&#x3D;alert(1)&gt; &amp; more');
    expect(entry!.text).toContain('<img src=x onerror=alert(1)> & more');
  });

  it('never tells a requester about an internal comment, while staff on the ticket read it', async () => {
    const internal = commit([
      { type: 'comment.added', data: { body: 'root password is hunter2', visibility: 'internal' } },
    ]);
    await service().handleEffect(
      notify('k:internal', 'mentioned', [
        { user: people.requester },
        { user: people.agent },
        { user: people.watcher },
      ]),
      internal,
      stateWith(),
      T0,
    );
    const entries = await deliveries();
    expect(entries.map((entry) => entry.recipient)).toEqual([people.agent]);
    expect(entries[0]!.body).toContain('root password is hunter2');
    const inbox = await db.collection<InAppNotification>(NOTIFICATIONS_COLLECTION).find({}).toArray();
    expect(inbox.map((item) => item.userId)).toEqual([people.agent]);
  });

  it('gives the requester a public comment’s text', async () => {
    const publicComment = commit([
      { type: 'comment.added', data: { body: 'Please reboot', visibility: 'public' } },
    ]);
    await service().handleEffect(
      notify('k:public', 'comment-added', [{ user: people.requester }]),
      publicComment,
      stateWith(),
      T0,
    );
    const [entry] = await deliveries();
    expect(entry!.body).toContain('Please reboot');
    expect(entry!.body).toContain('Agent Smith');
  });

  it('puts a signed confirmation link in the requester’s message only, valid for the days the effect asks', async () => {
    const resolvedAt = T0 - MINUTE;
    const state = stateWith({
      status: { category: 'resolved', key: 'resolved' },
      flags: { reopenCount: 0, transferCount: 0, assignees: [], resolvedAt },
    });
    await service().handleEffect(
      notify('k:confirm', 'confirm-requested', ['requester', 'assignee'], { linkValidDays: 3 }),
      commit(),
      state,
      T0,
    );
    const byRecipient = new Map((await deliveries()).map((entry) => [entry.recipient, entry]));
    const requesterEntry = byRecipient.get(people.requester!)!;
    expect(requesterEntry.link).toMatch(/^https:\/\/ordo\.example\.com\/public\/confirm\/1\.c\.[\w.-]+$/);
    expect(requesterEntry.body).toBe(`链接：${requesterEntry.link}`);
    expect(byRecipient.get(people.agent!)!.link).toBeNull();

    const token = requesterEntry.link!.split('/').pop()!;
    const check = verifyLink(SECRET, token, 'confirm', T0);
    expect(check).toEqual({
      ok: true,
      claims: {
        ticketId: state.id,
        scope: 'confirm',
        expiresAt: T0 + 3 * 24 * 60 * MINUTE,
        round: resolvedAt,
      },
    });
  });

  it('sends the survey to the requester with a survey link', async () => {
    const state = stateWith({ status: { category: 'closed', key: 'closed' } });
    await service().handleEffect(
      { kind: 'survey', key: 'k:survey', ticketId: state.id, recipients: ['requester'] },
      commit(),
      state,
      T0,
    );
    const [entry] = await deliveries();
    expect(entry).toMatchObject({ template: 'survey', recipient: people.requester, status: 'sent' });
    expect(entry!.link).toContain('/public/survey/');
    expect(entry!.body).toContain(`<a href="${entry!.link}">`);
    expect(entry!.text).toContain(entry!.link);
  });
});

describe('round trips', () => {
  it('queues an assignment notice with one read by _id and one insert, then with the insert alone', async () => {
    const notifications = service();
    const assigned = (n: number) => notify(`k:rt:${n}`, 'ticket-assigned', [{ user: people.agent }]);
    const first = await commandsOf(() => notifications.handleEffect(assigned(1), commit(), stateWith(), T0));
    // The assignee is read once, by `_id` alone (the filter the embedded store answers without a scan)...
    expect(first).toEqual([`find users {"_id":"${people.agent}"}`, 'insert notifications']);
    // ...and reused for a few seconds: the next notice is one write.
    const second = await commandsOf(() => notifications.handleEffect(assigned(2), commit(), stateWith(), T0));
    expect(second).toEqual(['insert notifications']);
  });

  it('delivers an email with writes and reads by _id only', async () => {
    const notifications = service({ mail: { send: () => Promise.resolve(), close: () => undefined } });
    const effect = notify('k:rt:mail', 'ticket-assigned', [{ user: people.agent }], { channels: ['email'] });
    const queued = await commandsOf(() => notifications.handleEffect(effect, commit(), stateWith(), T0));
    expect(queued).toEqual([
      `find users {"_id":"${people.agent}"}`,
      `insert ${PENDING_COLLECTION}`,
      `insert ${OUTBOX_COLLECTION}`,
    ]);
    const id = `k:rt:mail:email:${people.agent}`;
    const delivered = await commandsOf(() => notifications.deliverDue(T0));
    expect(delivered).toEqual([
      `find ${PENDING_COLLECTION} {"nextAttemptAt":{"$lte":"${new Date(T0).toISOString()}"}}`,
      `find ${OUTBOX_COLLECTION} {"_id":"${id}"}`,
      `insert ${ATTEMPTS_COLLECTION}`,
      `find ${OUTBOX_COLLECTION} {"_id":"${id}"}`,
      `update ${OUTBOX_COLLECTION} {"_id":"${id}"}`,
      `delete ${PENDING_COLLECTION} {"_id":"${id}"}`,
    ]);
  });
});

describe('email delivery over SMTP', () => {
  let smtp: SmtpListener;

  beforeAll(async () => {
    smtp = await startSmtpListener();
  });
  afterAll(async () => {
    await smtp.close();
  });

  it('queues email and delivers it to the SMTP server on deliverDue', async () => {
    let kicked = 0;
    const notifications = service({
      mail: smtpMailSender(`${smtp.url}?from=desk%40example.com`, 'https://ordo.example.com'),
      onQueued: () => void kicked++,
    });
    await notifications.handleEffect(
      notify('k:mail', 'change-rejected', ['assignee', { email: 'ops@example.org' }]),
      commit(),
      stateWith(),
      T0,
    );
    expect(kicked).toBe(1);
    const pending = await outbox().find({ channel: 'email' }).sort({ recipient: 1 }).toArray();
    expect(pending.map((entry) => [entry.address, entry.status])).toEqual([
      ['agent@example.com', 'pending'],
      ['ops@example.org', 'pending'],
    ]);
    expect((await pendingMarkers().find({}).toArray()).map((marker) => marker._id).sort()).toEqual(
      pending.map((entry) => entry._id).sort(),
    );

    const before = smtp.received.length;
    expect(await notifications.deliverDue(T0)).toEqual({ sent: 2, retrying: 0, failed: 0, skipped: 0 });
    const mails = smtp.received.slice(before);
    expect(mails.map((mail) => mail.to[0]).sort()).toEqual(['agent@example.com', 'ops@example.org']);
    const toAgent = mails.find((mail) => mail.to[0] === 'agent@example.com')!;
    expect(toAgent.from).toContain('desk@example.com');
    expect(toAgent.raw).toContain('Subject: Change rejected: INC-2026-000001');
    expect(decodeQuotedPrintable(toAgent.raw)).toContain('The change for Printer on fire was not approved.');
    expect(toAgent.raw).toContain('X-Ordo-Ticket: tfixture0001');
    expect(await outbox().countDocuments({ channel: 'email', status: 'sent', attempts: 1 })).toBe(2);
    // Sent: no longer pending, so the next passes do not read them.
    expect(await pendingMarkers().countDocuments({})).toBe(0);
    // Nothing left to do.
    expect(await notifications.deliverDue(T0 + 10 * MINUTE)).toEqual({
      sent: 0,
      retrying: 0,
      failed: 0,
      skipped: 0,
    });
  });

  it('retries after a temporary refusal, after the first backoff step', async () => {
    const notifications = service({ mail: smtpMailSender(smtp.url, 'https://ordo.example.com') });
    await notifications.handleEffect(
      notify('k:mail-retry', 'change-rejected', ['assignee'], { channels: ['email'] }),
      commit(),
      stateWith(),
      T0,
    );
    smtp.refuseNext(1);
    expect(await notifications.deliverDue(T0)).toMatchObject({ retrying: 1 });
    const [afterFailure] = await outbox().find({}).toArray();
    expect(afterFailure).toMatchObject({
      status: 'pending',
      attempts: 1,
      nextAttemptAt: new Date(T0 + MINUTE),
    });
    expect(afterFailure!.lastError).toMatch(/451/);

    expect(await notifications.deliverDue(T0 + MINUTE - 1)).toMatchObject({ sent: 0, retrying: 0 });
    const before = smtp.received.length;
    expect(await notifications.deliverDue(T0 + MINUTE)).toMatchObject({ sent: 1 });
    expect(smtp.received.length).toBe(before + 1);
    expect(await outbox().findOne({})).toMatchObject({ status: 'sent', attempts: 2, lastError: null });
  });
});

describe('webhooks', () => {
  let server: http.Server;
  let url: string;
  const calls: { method: string; headers: http.IncomingHttpHeaders; body: string }[] = [];
  let answers: number[] = [];

  beforeAll(async () => {
    server = http.createServer((request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (chunk: string) => (body += chunk));
      request.on('end', () => {
        calls.push({ method: request.method ?? '', headers: request.headers, body });
        if (request.url === '/hang') return; // never answers
        response.statusCode = answers.shift() ?? 200;
        response.end('{}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    calls.length = 0;
    answers = [];
  });

  const webhook = (key: string, target: string): TicketEffect => ({
    kind: 'webhook',
    key,
    ticketId: 'tfixture0001',
    url: target,
    method: 'POST',
    headers: { 'X-Source': 'ordo', 'bad header': 'dropped' },
    body: { ticket: 'INC-2026-000001', 'a.b': 1 },
  });

  it('posts the body with the effect key as Idempotency-Key', async () => {
    const notifications = service();
    await notifications.handleEffect(webhook('k:hook', `${url}/hook`), commit(), stateWith(), T0);
    await notifications.handleEffect(webhook('k:hook', `${url}/hook`), commit(), stateWith(), T0);
    expect(await notifications.deliverDue(T0)).toMatchObject({ sent: 1 });
    expect(calls).toHaveLength(1);
    expect(calls[0]!.headers['idempotency-key']).toBe('k:hook');
    expect(calls[0]!.headers['x-source']).toBe('ordo');
    expect(calls[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(calls[0]!.body)).toEqual({ ticket: 'INC-2026-000001', 'a.b': 1 });
  });

  it('backs off 1 min, 5 min, 30 min, 2 h, then gives up', async () => {
    const notifications = service();
    await notifications.handleEffect(webhook('k:backoff', `${url}/down`), commit(), stateWith(), T0);
    answers = [500, 502, 503, 500, 500];
    let now = T0;
    const schedule: (number | null)[] = [];
    for (let attempt = 1; attempt <= 5; attempt++) {
      // One millisecond early: not due yet.
      if (attempt > 1)
        expect(await notifications.deliverDue(now - 1)).toMatchObject({ sent: 0, retrying: 0, failed: 0 });
      await notifications.deliverDue(now);
      const entry = (await outbox().findOne({}))!;
      expect(entry.attempts).toBe(attempt);
      schedule.push(entry.nextAttemptAt ? entry.nextAttemptAt.getTime() - now : null);
      // While it will be tried again, its marker says when.
      const marker = await pendingMarkers().findOne({ _id: entry._id } as object);
      expect(marker?.nextAttemptAt ?? null).toEqual(entry.nextAttemptAt);
      if (entry.nextAttemptAt) now = entry.nextAttemptAt.getTime();
    }
    expect(schedule).toEqual([...RETRY_DELAYS_MS, null]);
    expect(await outbox().findOne({})).toMatchObject({
      status: 'failed',
      attempts: 5,
      lastError: 'The webhook answered HTTP 500',
    });
    expect(calls).toHaveLength(5);
    // Failed for good: nothing left pending.
    expect(await pendingMarkers().countDocuments({})).toBe(0);
  });

  it('counts a webhook that does not answer in time as a failed attempt', async () => {
    const notifications = service({ webhookTimeoutMs: 200 });
    await notifications.handleEffect(webhook('k:hang', `${url}/hang`), commit(), stateWith(), T0);
    expect(await notifications.deliverDue(T0)).toMatchObject({ retrying: 1 });
    expect((await outbox().findOne({}))!.lastError).toMatch(/timeout|aborted/i);
  });

  it('refuses URLs that are not http(s) without calling anything', async () => {
    await service().handleEffect(webhook('k:file', 'file:///etc/passwd'), commit(), stateWith(), T0);
    expect(await outbox().findOne({})).toMatchObject({
      status: 'failed',
      lastError: 'Only http(s) URLs are called, not file:',
    });
    expect(await pendingMarkers().countDocuments({})).toBe(0);
  });
});

describe('attempt claims', () => {
  it('lets one worker run an attempt, and recovers an attempt abandoned by a dead process', async () => {
    const notifications = service();
    await notifications.handleEffect(
      {
        kind: 'webhook',
        key: 'k:claim',
        ticketId: 'tfixture0001',
        url: 'http://127.0.0.1:9/never',
        body: {},
      },
      commit(),
      stateWith(),
      T0,
    );
    const entry = (await outbox().findOne({}))!;
    // Another worker claimed attempt 1 and is still on it.
    expect(await notifications.outbox.claimAttempt(entry, T0)).toBe('claimed');
    expect(await notifications.deliverDue(T0)).toEqual({ sent: 0, retrying: 0, failed: 0, skipped: 1 });
    // Long after, that worker never reported back: the attempt counts as failed and is retried later.
    expect(await notifications.deliverDue(T0 + 3 * MINUTE)).toMatchObject({ retrying: 1 });
    expect(await outbox().findOne({})).toMatchObject({
      attempts: 1,
      lastError: 'The delivery was interrupted before it finished',
    });
  });
});

describe('pending markers', () => {
  const hook = (key: string): TicketEffect => ({
    kind: 'webhook',
    key,
    ticketId: 'tfixture0001',
    url: 'http://127.0.0.1:9/never',
    body: {},
  });
  const markerIds = async () =>
    (await pendingMarkers().find({}).toArray()).map((marker) => marker._id).sort();
  const idle = { sent: 0, retrying: 0, failed: 0, skipped: 0 };

  it('drops a marker whose entry never came once the lease is over, and keeps it before', async () => {
    const notifications = service();
    // The process died between inserting the marker and its entry.
    await pendingMarkers().insertOne({
      _id: 'k:lost:webhook:x',
      nextAttemptAt: new Date(T0),
      createdAt: new Date(T0),
    } as object);
    expect(await notifications.deliverDue(T0 + MINUTE)).toEqual(idle);
    expect(await markerIds()).toEqual(['k:lost:webhook:x']);
    expect(await notifications.deliverDue(T0 + 3 * MINUTE)).toEqual(idle);
    expect(await markerIds()).toEqual([]);
  });

  it('drops the marker of an entry already sent, and moves one that says earlier than its entry', async () => {
    const notifications = service();
    await notifications.handleEffect(hook('k:done'), commit(), stateWith(), T0);
    await notifications.handleEffect(hook('k:later'), commit(), stateWith(), T0);
    const [done, later] = await outbox().find({}).sort({ effectKey: 1 }).toArray();
    await outbox().updateOne({ _id: done!._id }, { $set: { status: 'sent', nextAttemptAt: null } });
    // The process died after recording a failure on the entry, before moving its marker.
    await outbox().updateOne(
      { _id: later!._id },
      { $set: { attempts: 1, nextAttemptAt: new Date(T0 + 5 * MINUTE) } },
    );
    expect(await notifications.deliverDue(T0 + MINUTE)).toEqual(idle);
    expect(await markerIds()).toEqual([later!._id]);
    expect((await pendingMarkers().findOne({}))!.nextAttemptAt).toEqual(new Date(T0 + 5 * MINUTE));
    expect(await notifications.deliverDue(T0 + 2 * MINUTE)).toEqual(idle);
  });

  it('gives pending entries queued before markers existed one, once', async () => {
    const notifications = service();
    await notifications.handleEffect(hook('k:old'), commit(), stateWith(), T0);
    await notifications.handleEffect(hook('k:sent'), commit(), stateWith(), T0);
    await outbox().updateOne({ effectKey: 'k:sent' }, { $set: { status: 'sent', nextAttemptAt: null } });
    await pendingMarkers().deleteMany({});
    expect(await notifications.outbox.markUnmarkedPending(T0)).toBe(1);
    expect(await notifications.outbox.markUnmarkedPending(T0)).toBe(0);
    expect(await markerIds()).toEqual(['k:old:webhook:http://127.0.0.1:9/never']);
  });

  it('keeps one marker and one entry when the same webhook effect runs twice', async () => {
    const notifications = service();
    await Promise.all([
      notifications.handleEffect(hook('k:twice'), commit(), stateWith(), T0),
      notifications.handleEffect(hook('k:twice'), commit(), stateWith(), T0),
    ]);
    expect(await outbox().countDocuments({})).toBe(1);
    expect(await markerIds()).toEqual(['k:twice:webhook:http://127.0.0.1:9/never']);
  });
});
