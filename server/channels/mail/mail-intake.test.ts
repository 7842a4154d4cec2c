import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import nodemailer, { type SendMailOptions } from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_PASSWORD,
  bearer,
  buildTestApp,
  call,
  createUser,
  login,
  waitFor,
  type CreatedUser,
} from '../../../test/support/server-app.js';
import { installPacks } from '../../../test/support/packs.js';
import { createTeam, itIncidentDefinition, publishType } from '../../../test/support/tickets.js';

const MAX_BYTES = 1_000_000;
const MAILBOX = 'help@ordo.test';

let app: FastifyInstance;
let admin: string;
let agent: CreatedUser;
let smtp: ReturnType<typeof nodemailer.createTransport>;
/** Mail Ordo sends out, caught by a second SMTP server standing in for the relay. */
const outgoing: ParsedMail[] = [];
let relay: SMTPServer;

const png = Buffer.concat([
  Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex'),
  Buffer.from('screenshot bytes'),
]);

const send = (options: SendMailOptions) => smtp.sendMail(options) as Promise<{ response: string }>;

interface MessageView {
  id: string;
  outcome: string;
  reason?: string;
  detail?: string;
  ticketId?: string;
  ticketNumber?: string;
  subject: string;
  replayable: boolean;
}

async function messages(query = ''): Promise<MessageView[]> {
  const { status, body } = await call(app, {
    method: 'GET',
    url: `/api/channels/mail/messages${query}`,
    headers: bearer(admin),
  });
  expect(status).toBe(200);
  return body.items as MessageView[];
}

const recordOf = async (messageId: string) =>
  app.mailChannel.intake.messages.findOne({ messageId, outcome: { $ne: 'rejected' } });

async function ticket(id: string) {
  const { status, body } = await call(app, {
    method: 'GET',
    url: `/api/tickets/${id}`,
    headers: bearer(admin),
  });
  expect(status).toBe(200);
  return body as {
    number: string;
    title: string;
    team?: string;
    requester: string;
    status: { category: string };
  };
}

async function commentsOf(id: string) {
  const { body } = await call(app, {
    method: 'GET',
    url: `/api/tickets/${id}/events`,
    headers: bearer(admin),
  });
  const commits = body.items as {
    actor: { id: string };
    events: { type: string; data: { body?: string; attachments?: string[] } }[];
  }[];
  return commits.flatMap((commit) =>
    commit.events
      .filter((event) => event.type === 'comment.added')
      .map((event) => ({ actor: commit.actor, data: event.data })),
  );
}

beforeAll(async () => {
  relay = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          outgoing.push(parsed);
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const relayPort = (relay.server.address() as AddressInfo).port;

  process.env.ORDO_SMTP_LISTEN = '127.0.0.1:0';
  process.env.ORDO_SMTP_MAX_BYTES = String(MAX_BYTES);
  app = await buildTestApp('channels_mail', {
    smtpUrl: `smtp://127.0.0.1:${relayPort}?from=help%40ordo.test`,
  });
  delete process.env.ORDO_SMTP_LISTEN;
  delete process.env.ORDO_SMTP_MAX_BYTES;
  await app.ready();
  admin = await login(app, 'admin', ADMIN_PASSWORD);
  agent = await createUser(app, admin, { username: 'desk.mail', roles: ['agent'] });
  await createTeam(app, admin, { key: 'it-desk', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'it-ops', members: [{ userId: agent.id }] });
  await createTeam(app, admin, { key: 'service-desk', members: [{ userId: agent.id }] });
  const designer = await createUser(app, admin, { username: 'designer.mail', roles: ['designer'] });
  await publishType(app, designer.token, itIncidentDefinition());

  const created = await call(app, {
    method: 'POST',
    url: '/api/channels/mailboxes',
    headers: bearer(admin),
    payload: {
      address: MAILBOX.toUpperCase(),
      name: 'IT help',
      typeKey: 'it.incident',
      team: 'service-desk',
      defaults: { service: 'other', impact: 'person', urgency: 'low' },
    },
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const address = app.mailChannel.smtpAddress()!;
  smtp = nodemailer.createTransport({
    host: address.host,
    port: address.port,
    secure: false,
    ignoreTLS: true,
  });
});

afterAll(async () => {
  smtp?.close();
  await app?.close();
  await new Promise<void>((resolve) => relay.close(() => resolve()));
});

describe('/api/channels/mailboxes', () => {
  it('refuses a type, field or team that does not exist, naming the field, and stores nothing', async () => {
    const cases = [
      [{ typeKey: 'no.such' }, 'body.typeKey'],
      [{ typeKey: 'it.incident', titleField: 'nope' }, 'body.titleField'],
      [{ typeKey: 'it.incident', team: 'ghosts' }, 'body.team'],
      [{ typeKey: 'it.incident', defaults: { colour: 'red' } }, 'body.defaults.colour'],
    ] as const;
    for (const [fields, field] of cases) {
      const { status, body } = await call(app, {
        method: 'POST',
        url: '/api/channels/mailboxes',
        headers: bearer(admin),
        payload: { address: 'other@ordo.test', name: 'Other', ...fields },
      });
      expect(status).toBe(400);
      expect(body.field).toBe(field);
    }
    const duplicate = await call(app, {
      method: 'POST',
      url: '/api/channels/mailboxes',
      headers: bearer(admin),
      payload: { address: MAILBOX, name: 'Again', typeKey: 'it.incident' },
    });
    expect(duplicate.status).toBe(409);
    const list = await call(app, { method: 'GET', url: '/api/channels/mailboxes', headers: bearer(admin) });
    expect((list.body.items as { address: string }[]).map((item) => item.address)).toEqual([MAILBOX]);
    const byAgent = await call(app, {
      method: 'GET',
      url: '/api/channels/mailboxes',
      headers: bearer(agent.token),
    });
    expect(byAgent.status).toBe(403);
  });

  it('checks each default value against the published form, naming defaults.<field>, and stores nothing', async () => {
    const bad = { service: 'other', impact: 'galaxy', urgency: 3, title: 'ab' };
    const created = await call(app, {
      method: 'POST',
      url: '/api/channels/mailboxes',
      headers: bearer(admin),
      payload: { address: 'checked@ordo.test', name: 'Checked', typeKey: 'it.incident', defaults: bad },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(400);
    const errors = created.body.errors as {
      field: string;
      code: string;
      text: { 'zh-CN': string; en: string };
    }[];
    expect([...new Set(errors.map((error) => error.field))].sort()).toEqual([
      'body.defaults.impact',
      'body.defaults.title',
      'body.defaults.urgency',
    ]);
    expect(errors.map((error) => `${error.field} ${error.code}`)).toEqual(
      expect.arrayContaining([
        'body.defaults.impact form.enum',
        'body.defaults.title form.minLength',
        'body.defaults.urgency form.type',
      ]),
    );
    expect(errors.map((error) => error.field)).toContain(created.body.field);
    const impact = errors.find((error) => error.field === 'body.defaults.impact')?.text;
    expect(impact?.en).toMatch(/^Default impact: .*one of the offered choices/);
    expect(impact?.['zh-CN']).toMatch(/^默认值 impact：.*只能从给定选项中选择/);
    // The form's other required fields (title here comes from the subject) are not asked of the defaults.
    const partial = await call(app, {
      method: 'POST',
      url: '/api/channels/mailboxes',
      headers: bearer(admin),
      payload: { address: 'checked@ordo.test', name: 'Checked', typeKey: 'it.incident', defaults: {} },
    });
    expect(partial.status, JSON.stringify(partial.body)).toBe(201);
    const changed = await call(app, {
      method: 'PUT',
      url: '/api/channels/mailboxes/checked@ordo.test',
      headers: bearer(admin),
      payload: { name: 'Checked', typeKey: 'it.incident', defaults: { service: 'printer', urgency: '' } },
    });
    expect(changed.status).toBe(400);
    expect(changed.body.field).toBe('body.defaults.urgency');
    expect(String(changed.body.detail)).toMatch(/^默认值 urgency：/);
    const list = await call(app, { method: 'GET', url: '/api/channels/mailboxes', headers: bearer(admin) });
    const stored = (list.body.items as { address: string; defaults: unknown }[]).find(
      (item) => item.address === 'checked@ordo.test',
    );
    expect(stored?.defaults).toEqual({});
    expect(
      (
        await call(app, {
          method: 'DELETE',
          url: '/api/channels/mailboxes/checked@ordo.test',
          headers: bearer(admin),
        })
      ).status,
    ).toBe(204);
  });

  it('keeps defaults holding lists inside lists as sent, through create, list and change', async () => {
    const address = 'lists@ordo.test';
    const defaults = { service: 'other', impact: 'person', urgency: 'low', hostname: [['db-1', 'db-2'], []] };
    const created = await call(app, {
      method: 'POST',
      url: '/api/channels/mailboxes',
      headers: bearer(admin),
      payload: { address, name: 'Lists', typeKey: 'it.incident', defaults },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.defaults).toEqual(defaults);
    const listed = async () => {
      const list = await call(app, { method: 'GET', url: '/api/channels/mailboxes', headers: bearer(admin) });
      expect(list.status).toBe(200);
      return (list.body.items as { address: string; defaults: unknown }[]).find(
        (item) => item.address === address,
      );
    };
    expect((await listed())?.defaults).toEqual(defaults);
    const changed = { ...defaults, hostname: [['web-1']] };
    const put = await call(app, {
      method: 'PUT',
      url: `/api/channels/mailboxes/${address}`,
      headers: bearer(admin),
      payload: { name: 'Lists', typeKey: 'it.incident', defaults: changed },
    });
    expect(put.status, JSON.stringify(put.body)).toBe(200);
    expect((await listed())?.defaults).toEqual(changed);
    const removed = await call(app, {
      method: 'DELETE',
      url: `/api/channels/mailboxes/${address}`,
      headers: bearer(admin),
    });
    expect(removed.status).toBe(204);
  });

  it('test shows what a pasted message would create, and stores nothing', async () => {
    const before = await app.mailChannel.intake.messages.countDocuments({});
    const { status, body } = await call(app, {
      method: 'POST',
      url: `/api/channels/mailboxes/${MAILBOX}/test`,
      headers: bearer(admin),
      payload: {
        raw: 'From: Ann Lee <ann.test@example.org>\nTo: help@ordo.test\nSubject: VPN is down\nMessage-ID: <t1@example.org>\n\nSince 9 am.\n',
      },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body).toMatchObject({
      kind: 'ticket',
      typeKey: 'it.incident',
      team: 'service-desk',
      data: { title: 'VPN is down', description: 'Since 9 am.', service: 'other' },
      requester: { email: 'ann.test@example.org', created: true },
    });
    const auto = await call(app, {
      method: 'POST',
      url: `/api/channels/mailboxes/${MAILBOX}/test`,
      headers: bearer(admin),
      payload: {
        raw: 'From: a@example.org\nSubject: Out of office\nAuto-Submitted: auto-replied\n\nAway.\n',
      },
    });
    expect(auto.body).toMatchObject({ kind: 'rejected', reason: 'auto-reply' });
    expect(await app.mailChannel.intake.messages.countDocuments({})).toBe(before);
    expect(await app.models.User.countDocuments({ email: 'ann.test@example.org' })).toBe(0);
  });
});

describe('SMTP intake', () => {
  let firstTicket: string;

  it('a new mail with an attachment opens a ticket (answered 250 once stored); the agent downloads the file', async () => {
    const info = await send({
      from: 'Qin Lan <qin.lan@example.org>',
      to: MAILBOX,
      subject: 'Printer on floor 3 jams',
      text: 'Every second page jams.\nThanks',
      messageId: '<first@example.org>',
      attachments: [{ filename: 'jam.png', content: png, contentType: 'image/png' }],
    });
    expect(info.response).toMatch(/^250 /);
    // 250 came after the ticket was stored: no waiting.
    const record = await recordOf('first@example.org');
    expect(record).toMatchObject({ outcome: 'ticket', attachments: 1 });
    firstTicket = record!.ticketId!;
    const view = await ticket(firstTicket);
    expect(view.title).toBe('Printer on floor 3 jams');
    expect(view.team).toBe('service-desk');
    expect(info.response).toContain(view.number);
    const requester = await app.models.User.findOne({ email: 'qin.lan@example.org' }).lean();
    expect(requester?.displayName).toBe('Qin Lan');
    expect(view.requester).toBe(String(requester!._id));

    const files = await call(app, {
      method: 'GET',
      url: `/api/tickets/${firstTicket}/attachments`,
      headers: bearer(agent.token),
    });
    expect(files.status).toBe(200);
    const [file] = files.body.items as { id: string; name: string; contentType: string }[];
    expect(file).toMatchObject({ name: 'jam.png', contentType: 'image/png' });
    const download = await app.inject({
      method: 'GET',
      url: `/api/tickets/${firstTicket}/attachments/${file!.id}`,
      headers: bearer(agent.token),
    });
    expect(download.statusCode).toBe(200);
    expect(download.rawPayload.equals(png)).toBe(true);
  });

  it('the same Message-ID twice makes one ticket; the second copy is listed as a duplicate', async () => {
    const again = await send({
      from: 'Qin Lan <qin.lan@example.org>',
      to: MAILBOX,
      subject: 'Printer on floor 3 jams',
      text: 'Every second page jams.\nThanks',
      messageId: '<first@example.org>',
    });
    expect(again.response).toMatch(/^250 /);
    const tickets = await app.tickets.tickets.countDocuments({ requesterId: { $exists: true } });
    const duplicates = (await messages('?outcome=rejected')).filter((item) => item.reason === 'duplicate');
    expect(duplicates).toHaveLength(1);
    expect(duplicates[0]).toMatchObject({ ticketId: firstTicket, replayable: false });
    expect(await app.tickets.tickets.countDocuments({ requesterId: { $exists: true } })).toBe(tickets);
    expect(await app.tickets.tickets.countDocuments({ _id: firstTicket })).toBe(1);
  });

  it('an agent’s public reply goes out threaded; the requester’s answer lands back on the ticket as a comment', async () => {
    const view = await ticket(firstTicket);
    const { version } = (
      await call(app, { method: 'GET', url: `/api/tickets/${firstTicket}`, headers: bearer(admin) })
    ).body as { version: number };
    const comment = await call(app, {
      method: 'POST',
      url: `/api/tickets/${firstTicket}/commands`,
      headers: bearer(admin),
      payload: { command: 'comment', body: 'Which printer model is it?', visibility: 'public', version },
    });
    expect(comment.status, JSON.stringify(comment.body)).toBe(200);
    await app.notifications.deliverDue(Date.now());
    const sent = await waitFor(
      () => outgoing.find((mail) => (mail.text ?? '').includes('Which printer model')),
      { what: 'the reply mail' },
    );
    expect(sent.to && 'text' in sent.to ? sent.to.text : '').toContain('qin.lan@example.org');
    expect(sent.subject).toContain(view.number);
    expect(sent.references).toContain(`<ticket-${firstTicket}@ordo>`);
    expect(sent.inReplyTo).toBe(`<ticket-${firstTicket}@ordo>`);

    // The requester answers from their mail client: Re: subject, In-Reply-To the message, References the thread.
    const answer = await send({
      from: 'qin.lan@example.org',
      to: MAILBOX,
      subject: `Re: ${sent.subject}`,
      text: `It is the HP M402.\n\nOn Monday Ordo wrote:\n> Which printer model is it?\n`,
      inReplyTo: sent.messageId,
      references: [
        ...(Array.isArray(sent.references) ? sent.references : [sent.references ?? '']),
        sent.messageId!,
      ],
      messageId: '<answer-1@example.org>',
    });
    expect(answer.response).toMatch(/^250 /);
    expect(await recordOf('answer-1@example.org')).toMatchObject({ outcome: 'reply', ticketId: firstTicket });
    const comments = await commentsOf(firstTicket);
    expect(comments.at(-1)!.data.body).toBe('It is the HP M402.');
    expect(comments.at(-1)!.actor.id).toBe(view.requester);

    // Only the ticket number in the subject (a new mail written by hand) threads too.
    await send({
      from: 'qin.lan@example.org',
      to: MAILBOX,
      subject: `About ${view.number}`,
      text: 'It happens with tray 2 only.',
      messageId: '<answer-2@example.org>',
      attachments: [{ filename: 'tray.png', content: png, contentType: 'image/png' }],
    });
    const latest = (await commentsOf(firstTicket)).at(-1)!;
    expect(latest.data.body).toBe('It happens with tray 2 only.');
    expect(latest.data.attachments).toHaveLength(1);

    // Someone else quoting the number does not write on another person's ticket: a ticket of their own.
    await send({
      from: 'stranger@example.org',
      to: MAILBOX,
      subject: `Also me: ${view.number}`,
      text: 'Same printer here.',
      messageId: '<stranger@example.org>',
    });
    const stranger = await recordOf('stranger@example.org');
    expect(stranger?.outcome).toBe('ticket');
    expect(stranger?.ticketId).not.toBe(firstTicket);
  });

  it('an answer to a resolved ticket reopens it; one to a closed ticket opens a new ticket naming it', async () => {
    const current = await call(app, {
      method: 'GET',
      url: `/api/tickets/${firstTicket}`,
      headers: bearer(admin),
    });
    const resolved = await call(app, {
      method: 'POST',
      url: `/api/tickets/${firstTicket}/commands`,
      headers: bearer(admin),
      payload: { command: 'resolve', comment: 'New fuser unit fitted', version: current.body.version },
    });
    expect(resolved.status, JSON.stringify(resolved.body)).toBe(200);
    expect((await ticket(firstTicket)).status.category).toBe('resolved');
    const { number } = await ticket(firstTicket);
    await send({
      from: 'qin.lan@example.org',
      to: MAILBOX,
      subject: `Re: [${number}] Printer on floor 3 jams`,
      text: 'Still jamming this morning, sorry.',
      messageId: '<still@example.org>',
    });
    expect(await recordOf('still@example.org')).toMatchObject({ outcome: 'reply', ticketId: firstTicket });
    expect((await ticket(firstTicket)).status.category).not.toMatch(/^(resolved|closed)$/);
    expect((await commentsOf(firstTicket)).at(-1)!.data.body).toBe('Still jamming this morning, sorry.');

    const again = await call(app, {
      method: 'GET',
      url: `/api/tickets/${firstTicket}`,
      headers: bearer(admin),
    });
    const cancelled = await call(app, {
      method: 'POST',
      url: `/api/tickets/${firstTicket}/commands`,
      headers: bearer(admin),
      payload: { command: 'cancel', reason: 'Printer replaced', version: again.body.version },
    });
    expect(cancelled.status, JSON.stringify(cancelled.body)).toBe(200);
    await send({
      from: 'qin.lan@example.org',
      to: MAILBOX,
      subject: `Re: [${number}] Printer on floor 3 jams`,
      text: 'The new printer jams too.',
      messageId: '<after-close@example.org>',
    });
    const followUp = await recordOf('after-close@example.org');
    expect(followUp?.outcome).toBe('ticket');
    expect(followUp?.ticketId).not.toBe(firstTicket);
    const { body: view } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${followUp!.ticketId}`,
      headers: bearer(admin),
    });
    expect((view.data as { description: string }).description).toContain(`(${number})`);
  });

  it('an auto-reply, a bounce and a loop make no ticket and are listed with their reason', async () => {
    const before = await app.tickets.tickets.countDocuments({});
    await send({
      from: 'boss@example.org',
      to: MAILBOX,
      subject: 'Out of office',
      text: 'Back on Monday.',
      headers: { 'Auto-Submitted': 'auto-replied' },
      messageId: '<ooo@example.org>',
    });
    await send({
      envelope: { from: '', to: [MAILBOX] },
      raw:
        'From: Mail Delivery System <MAILER-DAEMON@example.org>\r\nTo: help@ordo.test\r\nSubject: Undelivered Mail\r\n' +
        'Message-ID: <bounce@example.org>\r\nContent-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n' +
        '--b\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n--b--\r\n',
    });
    await send({
      from: 'qin.lan@example.org',
      to: MAILBOX,
      subject: 'Fwd: New reply',
      text: 'forwarded automatically',
      headers: { 'X-Ordo-Ticket': firstTicket },
      messageId: '<loop@example.org>',
    });
    expect(await app.tickets.tickets.countDocuments({})).toBe(before);
    const rejected = await messages('?outcome=rejected');
    const reasons = Object.fromEntries(rejected.map((item) => [item.subject, item.reason]));
    expect(reasons).toMatchObject({
      'Out of office': 'auto-reply',
      'Undelivered Mail': 'bounce',
      'Fwd: New reply': 'loop',
    });
    const ooo = rejected.find((item) => item.subject === 'Out of office')!;
    expect(ooo.detail).toBe('Auto-Submitted: auto-replied');
    expect(ooo.replayable).toBe(true);

    // An admin decides the auto-reply was in fact a person's mail: replayed, it opens a ticket.
    const replayed = await call(app, {
      method: 'POST',
      url: `/api/channels/mail/messages/${ooo.id}/replay`,
      headers: bearer(admin),
    });
    expect(replayed.status, JSON.stringify(replayed.body)).toBe(200);
    expect(replayed.body).toMatchObject({ outcome: 'ticket', replayable: false });
    expect(await app.tickets.tickets.countDocuments({})).toBe(before + 1);
    const twice = await call(app, {
      method: 'POST',
      url: `/api/channels/mail/messages/${ooo.id}/replay`,
      headers: bearer(admin),
    });
    expect(twice.status).toBe(409);
  });

  it('an oversized message gets 552 and nothing is stored; an unknown recipient 550', async () => {
    const before = await app.mailChannel.intake.messages.countDocuments({});
    const error = await send({
      from: 'big@example.org',
      to: MAILBOX,
      subject: 'Huge',
      text: 'see attached',
      attachments: [{ filename: 'big.png', content: Buffer.concat([png, Buffer.alloc(MAX_BYTES)]) }],
    }).then(
      () => undefined,
      (failure: { responseCode?: number }) => failure,
    );
    expect(error?.responseCode).toBe(552);
    const unknown = await send({
      from: 'a@example.org',
      to: 'nobody@ordo.test',
      subject: 'x',
      text: 'y',
    }).then(
      () => undefined,
      (failure: { responseCode?: number }) => failure,
    );
    expect(unknown?.responseCode).toBe(550);
    expect(await app.mailChannel.intake.messages.countDocuments({})).toBe(before);
  });

  it('a Chinese subject in RFC 2047 encoding arrives readable; invalid UTF-8, huge headers and broken MIME are handled', async () => {
    await send({
      from: '王小明 <wang.xm@example.cn>',
      to: MAILBOX,
      subject: '打印机无法连接网络',
      text: '三楼的打印机从早上开始就连不上网络。',
      messageId: '<zh@example.cn>',
    });
    const zh = await recordOf('zh@example.cn');
    expect(zh?.outcome).toBe('ticket');
    expect((await ticket(zh!.ticketId!)).title).toBe('打印机无法连接网络');
    const person = await app.models.User.findOne({ email: 'wang.xm@example.cn' }).lean();
    expect(person).toMatchObject({ displayName: '王小明', locale: 'zh-CN' });

    const invalid = Buffer.concat([
      Buffer.from(
        'From: raw@example.org\r\nTo: help@ordo.test\r\nMessage-ID: <bad-utf8@example.org>\r\nSubject: bad ',
      ),
      Buffer.from([0xff, 0xfe, 0xc3]),
      Buffer.from(' bytes\r\n\r\nbody\r\n'),
    ]);
    expect(
      (await send({ envelope: { from: 'raw@example.org', to: [MAILBOX] }, raw: invalid })).response,
    ).toMatch(/^250 /);
    const bad = await recordOf('bad-utf8@example.org');
    expect(bad?.outcome).toBe('ticket');
    expect((await ticket(bad!.ticketId!)).title).toMatch(/^bad .* bytes$/);

    const hugeHeader = `From: raw@example.org\r\nTo: help@ordo.test\r\nMessage-ID: <huge@example.org>\r\nSubject: Huge header\r\nX-Junk: ${'a'.repeat(400_000)}\r\n\r\nbody\r\n`;
    expect(
      (await send({ envelope: { from: 'raw@example.org', to: [MAILBOX] }, raw: hugeHeader })).response,
    ).toMatch(/^250 /);
    expect((await recordOf('huge@example.org'))?.outcome).toBe('ticket');

    const broken =
      'From: raw@example.org\r\nTo: help@ordo.test\r\nMessage-ID: <broken@example.org>\r\nSubject: Broken MIME\r\n' +
      'Content-Type: multipart/mixed; boundary="never-closed"\r\nContent-Transfer-Encoding: base64\r\n\r\n' +
      '--never-closed\r\nContent-Type: text/plain; charset=no-such-charset\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n';
    expect(
      (await send({ envelope: { from: 'raw@example.org', to: [MAILBOX] }, raw: broken })).response,
    ).toMatch(/^250 /);
    const record = await app.mailChannel.intake.messages.findOne({ subject: 'Broken MIME' });
    expect(record?.outcome).toMatch(/^(ticket|unparsed)$/);
  });

  it('a message left unfinished by a crash is finished by the sender’s retry with the same ticket', async () => {
    const raw =
      'From: crash@example.org\r\nTo: help@ordo.test\r\nMessage-ID: <crash@example.org>\r\nSubject: Disk full on build server\r\n\r\nNo space left.\r\n';
    // The state a process killed after claiming the record (before its ticket) leaves behind.
    const { messageRecordId, mailTicketId } = await import('./mail-intake.js');
    const recordId = messageRecordId(MAILBOX, 'crash@example.org');
    await app.mailChannel.intake.messages.insertOne({
      _id: recordId,
      mailbox: MAILBOX,
      messageId: 'crash@example.org',
      envelopeFrom: 'crash@example.org',
      from: 'crash@example.org',
      fromName: '',
      subject: 'Disk full on build server',
      size: raw.length,
      raw: await app.mailChannel.intake.storeRaw(Buffer.from(raw)),
      receivedAt: new Date(),
      outcome: 'processing',
    });
    await send({ envelope: { from: 'crash@example.org', to: [MAILBOX] }, raw });
    await send({ envelope: { from: 'crash@example.org', to: [MAILBOX] }, raw });
    const record = await app.mailChannel.intake.messages.findOne({ _id: recordId });
    expect(record).toMatchObject({ outcome: 'ticket', ticketId: mailTicketId(recordId) });
    expect(await app.tickets.tickets.countDocuments({ _id: mailTicketId(recordId) })).toBe(1);
    expect(await app.tickets.tickets.countDocuments({ title: 'Disk full on build server' })).toBe(1);
  });

  it('the customer-service pack offers its mailbox presets; one created from a preset opens that pack’s tickets', async () => {
    const none = await call(app, {
      method: 'GET',
      url: '/api/channels/mailboxes/presets',
      headers: bearer(admin),
    });
    expect(none.body.items).toEqual([]);
    await installPacks(app, admin, ['customer-service']);
    const { status, body } = await call(app, {
      method: 'GET',
      url: '/api/channels/mailboxes/presets',
      headers: bearer(admin),
    });
    expect(status).toBe(200);
    const presets = body.items as {
      typeKey: string;
      address: string;
      typePublished: boolean;
      inUse: boolean;
    }[];
    expect(presets.map((preset) => preset.typeKey).sort()).toEqual(['cs.after-sales', 'cs.complaint']);
    expect(presets.every((preset) => preset.typePublished && !preset.inUse)).toBe(true);
    const preset = presets.find((item) => item.typeKey === 'cs.after-sales')!;
    const {
      pack: _pack,
      typePublished: _published,
      inUse: _inUse,
      ...fields
    } = preset as Record<string, unknown>;
    const created = await call(app, {
      method: 'POST',
      url: '/api/channels/mailboxes',
      headers: bearer(admin),
      payload: { ...fields, address: 'service@ordo.test', name: 'Service' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    await send({
      from: 'Zhou Min <zhou.min@example.cn>',
      to: 'service@ordo.test',
      subject: '路由器密码忘了怎么办',
      text: '说明书找不到了。',
      messageId: '<cs-1@example.cn>',
    });
    const record = await app.mailChannel.intake.messages.findOne({ messageId: 'cs-1@example.cn' });
    expect(record?.outcome, record?.detail).toBe('ticket');
    const { body: view } = await call(app, {
      method: 'GET',
      url: `/api/tickets/${record!.ticketId}`,
      headers: bearer(admin),
    });
    expect(view).toMatchObject({
      type: 'cs.after-sales',
      channel: 'email',
      data: { requestType: 'question' },
    });
  });
});
