import { describe, expect, it } from 'vitest';
import { TicketHarness, actors, definitionOf } from './test-support/harness.js';
import { LINK_LIMITS, isWebAddress } from './command-shape.js';
import { MAX_LINKS, linksOf } from './links.js';
import { MAX_WATCHERS } from './watchers.js';
import type { Command, EngineActor, TicketLink, TicketState } from './types.js';
import flow from './commands.flow.json' with { type: 'json' };

const { agent, agent2, outsider, requester, admin, system } = actors;
/** Someone the staff asked to follow the ticket: not its requester, not staff. */
const follower: EngineActor = { id: 'u-w', roles: [], teams: [], kind: 'requester' };

/** An opened ticket of u-req, routed to the desk team and assigned to u-agent. */
const given = () => {
  const harness = new TicketHarness(definitionOf(flow));
  harness.open();
  return harness;
};

type Step = [Command, EngineActor];
type Then = { watchers: string[] } | { links: Partial<TicketLink>[] } | { code: string; field?: string };

interface Row {
  name: string;
  before?: Step[];
  when: Step;
  then: Then;
}

function check(row: Row): void {
  const harness = given();
  for (const [command, actor] of row.before ?? []) harness.do(command, actor);
  const [command, actor] = row.when;
  const { then } = row;
  if ('code' in then) {
    harness.refused(command, actor, then.code, then.field);
  } else {
    harness.do(command, actor);
    if ('watchers' in then) expect(harness.ticket.watchers).toEqual(then.watchers);
    else expect(linksOf(harness.ticket).map((link) => ({ ...link }))).toMatchObject(then.links);
  }
}

const watch = (user?: string): Command =>
  user === undefined ? { command: 'watch' } : { command: 'watch', user };
const unwatch = (user?: string): Command =>
  user === undefined ? { command: 'unwatch' } : { command: 'unwatch', user };
const erpOrder = { system: 'ERP', type: 'sales-order', id: 'SO-1001' };
const link = (extra: Partial<TicketLink> = {}): Command => ({ command: 'link', ...erpOrder, ...extra });
const unlink = (extra: Partial<TicketLink> = {}): Command => ({ command: 'unlink', ...erpOrder, ...extra });

describe('watch', () => {
  it.each<Row>([
    {
      name: 'the requester watches their own ticket',
      when: [watch(), requester],
      then: { watchers: ['u-req'] },
    },
    { name: 'the assignee watches', when: [watch(), agent], then: { watchers: ['u-agent'] } },
    { name: 'a team member adds someone else', when: [watch('u-w'), agent2], then: { watchers: ['u-w'] } },
    { name: 'an admin adds someone else', when: [watch('u-w'), admin], then: { watchers: ['u-w'] } },
    { name: 'an integration adds someone', when: [watch('u-w'), system], then: { watchers: ['u-w'] } },
    {
      name: 'naming oneself is watching oneself',
      when: [watch('u-req'), requester],
      then: { watchers: ['u-req'] },
    },
    {
      name: 'an integration must name the user',
      when: [watch(), system],
      then: { code: 'watch.user-required', field: 'user' },
    },
    {
      name: 'the requester cannot add someone else',
      when: [watch('u-w'), requester],
      then: { code: 'watch.others-forbidden', field: 'user' },
    },
    { name: 'an outsider cannot watch', when: [watch(), outsider], then: { code: 'actor.forbidden' } },
    { name: 'nor add anyone', when: [watch('u-w'), outsider], then: { code: 'actor.forbidden' } },
    {
      name: 'someone someone else added cannot watch twice',
      before: [[watch('u-w'), agent]],
      when: [watch(), follower],
      then: { code: 'watch.already-watching' },
    },
    {
      name: 'adding a watcher twice names the field',
      before: [[watch('u-w'), agent]],
      when: [watch('u-w'), agent2],
      then: { code: 'watch.already-watching', field: 'user' },
    },
    {
      name: 'a blank user is not a user',
      when: [watch('  '), agent],
      then: { code: 'command.invalid', field: 'user' },
    },
    {
      name: 'a user id has a length limit',
      when: [watch('u'.repeat(201)), agent],
      then: { code: 'command.too-long', field: 'user' },
    },
    {
      name: 'a cancelled ticket takes no watchers',
      before: [[{ command: 'cancel' }, agent]],
      when: [watch(), agent],
      then: { code: 'ticket.finished' },
    },
  ])('$name', check);

  it('records who was added and tells them when someone else added them', () => {
    const harness = given();
    harness.do(watch('u-w'), agent);
    expect(harness.events).toMatchObject([
      { type: 'watcher.added', actor: { id: 'u-agent' }, data: { user: 'u-w' } },
    ]);
    expect(harness.effectsOf('notify')).toMatchObject([
      { template: 'watcher-added', recipients: [{ user: 'u-w' }] },
    ]);
    harness.do(watch(), agent);
    expect(harness.effectsOf('notify')).toEqual([]);
  });

  it(`stops at ${MAX_WATCHERS} watchers`, () => {
    const harness = given();
    const crowded = { ...harness.ticket, watchers: Array.from({ length: MAX_WATCHERS }, (_, i) => `u-${i}`) };
    harness.state = crowded;
    harness.refused(watch('u-w'), agent, 'watch.too-many', 'user');
    harness.refused(watch(), requester, 'watch.too-many');
  });

  it('a watcher who is not staff gains nothing but following: no comments, no other commands', () => {
    const harness = given();
    harness.do(watch('u-w'), agent);
    expect(harness.allowed(follower)).toEqual(['unwatch']);
    harness.refused({ command: 'comment', body: 'hi', visibility: 'public' }, follower, 'actor.forbidden');
  });
});

describe('unwatch', () => {
  const watched: Step[] = [[watch('u-w'), agent]];
  it.each<Row>([
    {
      name: 'a watcher stops watching',
      before: watched,
      when: [unwatch(), follower],
      then: { watchers: [] },
    },
    {
      name: 'staff working the ticket remove someone',
      before: watched,
      when: [unwatch('u-w'), agent2],
      then: { watchers: [] },
    },
    {
      name: 'an integration removes someone',
      before: watched,
      when: [unwatch('u-w'), system],
      then: { watchers: [] },
    },
    {
      name: 'the requester may stop watching their own ticket',
      before: [[watch(), requester]],
      when: [unwatch(), requester],
      then: { watchers: [] },
    },
    {
      name: 'a watcher cannot remove someone else',
      before: [...watched, [watch('u-v'), agent]],
      when: [unwatch('u-v'), follower],
      then: { code: 'watch.others-forbidden', field: 'user' },
    },
    {
      name: 'the requester who does not watch is told so',
      when: [unwatch(), requester],
      then: { code: 'watch.not-watching' },
    },
    {
      name: 'removing someone who does not watch names the field',
      when: [unwatch('u-nobody'), agent],
      then: { code: 'watch.not-watching', field: 'user' },
    },
    {
      name: 'an integration must name the user',
      before: watched,
      when: [unwatch(), system],
      then: { code: 'watch.user-required', field: 'user' },
    },
    {
      name: 'an outsider cannot',
      before: watched,
      when: [unwatch('u-w'), outsider],
      then: { code: 'actor.forbidden' },
    },
  ])('$name', check);

  it('records who stopped watching', () => {
    const harness = given();
    harness.do(watch('u-w'), agent);
    harness.do(unwatch(), follower);
    expect(harness.events).toMatchObject([
      { type: 'watcher.removed', actor: { id: 'u-w' }, data: { user: 'u-w' } },
    ]);
  });
});

describe('link', () => {
  it.each<Row>([
    {
      name: 'staff link a record',
      when: [link({ url: 'https://erp.example.com/orders/SO-1001', title: 'Order SO-1001' }), agent],
      then: {
        links: [
          {
            ...erpOrder,
            url: 'https://erp.example.com/orders/SO-1001',
            title: 'Order SO-1001',
            addedBy: 'u-agent',
          },
        ],
      },
    },
    {
      name: 'the requester links a record',
      when: [link(), requester],
      then: { links: [{ addedBy: 'u-req' }] },
    },
    {
      name: 'an integration links a record',
      when: [link(), system],
      then: { links: [{ addedBy: 'system' }] },
    },
    {
      name: 'text is trimmed',
      when: [link({ system: ' ERP ', id: ' SO-1001 ', title: ' Order ' }), agent],
      then: { links: [{ system: 'ERP', id: 'SO-1001', title: 'Order' }] },
    },
    {
      name: 'another record of the same system is another link',
      before: [[link(), agent]],
      when: [link({ id: 'SO-1002' }), agent],
      then: { links: [{ id: 'SO-1001' }, { id: 'SO-1002' }] },
    },
    {
      name: 'ids are case-sensitive',
      before: [[link(), agent]],
      when: [link({ id: 'so-1001' }), agent],
      then: { links: [{ id: 'SO-1001' }, { id: 'so-1001' }] },
    },
    {
      name: 'the same record twice is refused, system and type in any case',
      before: [[link(), agent]],
      when: [link({ system: 'erp', type: 'Sales-Order' }), requester],
      then: { code: 'link.duplicate', field: 'id' },
    },
    { name: 'an outsider cannot link', when: [link(), outsider], then: { code: 'actor.forbidden' } },
    {
      name: 'a watcher who is not staff cannot link',
      before: [[watch('u-w'), agent]],
      when: [link(), follower],
      then: { code: 'actor.forbidden' },
    },
    {
      name: 'a type is required',
      when: [link({ type: undefined }), agent],
      then: { code: 'command.invalid', field: 'type' },
    },
    {
      name: 'a blank id is no id',
      when: [link({ id: '   ' }), agent],
      then: { code: 'command.invalid', field: 'id' },
    },
    {
      name: 'no control characters',
      when: [link({ title: 'a\nb' }), agent],
      then: { code: 'command.invalid', field: 'title' },
    },
    {
      name: 'system name limit',
      when: [link({ system: 'x'.repeat(LINK_LIMITS.system + 1) }), agent],
      then: { code: 'command.too-long', field: 'system' },
    },
    {
      name: 'id limit',
      when: [link({ id: 'x'.repeat(LINK_LIMITS.id + 1) }), agent],
      then: { code: 'command.too-long', field: 'id' },
    },
    {
      name: 'title limit',
      when: [link({ title: 't'.repeat(LINK_LIMITS.title + 1) }), agent],
      then: { code: 'command.too-long', field: 'title' },
    },
    {
      name: 'url limit',
      when: [link({ url: `https://erp.example.com/${'p'.repeat(LINK_LIMITS.url)}` }), agent],
      then: { code: 'command.too-long', field: 'url' },
    },
    ...[
      'javascript:alert(1)',
      'ftp://files.example.com/a',
      'erp.example.com/orders/1',
      'https://user:pw@erp.example.com/',
    ].map((url): Row => ({
      name: `url ${url} is refused`,
      when: [link({ url }), agent],
      then: { code: 'link.url-invalid', field: 'url' },
    })),
  ])('$name', check);

  it('records the link in the trail', () => {
    const harness = given();
    harness.advance(60_000);
    harness.do(link({ title: 'Order' }), agent);
    expect(harness.events).toEqual([
      {
        type: 'link.added',
        at: harness.now,
        actor: { id: 'u-agent', kind: 'user' },
        data: { link: { ...erpOrder, title: 'Order', addedBy: 'u-agent', at: harness.now } },
      },
    ]);
  });

  it(`stops at ${MAX_LINKS} links`, () => {
    const harness = given();
    const links = Array.from({ length: MAX_LINKS }, (_, i) => ({
      ...erpOrder,
      id: `SO-${i}`,
      addedBy: 'u',
      at: 0,
    }));
    harness.state = { ...harness.ticket, links };
    harness.refused(link(), agent, 'link.too-many');
  });
});

describe('unlink', () => {
  const byRequester: Step[] = [[link(), requester]];
  const byAgent: Step[] = [[link(), agent]];
  it.each<Row>([
    { name: 'staff remove any link', before: byRequester, when: [unlink(), agent], then: { links: [] } },
    {
      name: 'the requester removes their own',
      before: byRequester,
      when: [unlink(), requester],
      then: { links: [] },
    },
    {
      name: 'an integration removes any link',
      before: byAgent,
      when: [unlink(), system],
      then: { links: [] },
    },
    {
      name: 'system and type match in any case',
      before: byAgent,
      when: [unlink({ system: 'erp', type: 'SALES-ORDER' }), agent],
      then: { links: [] },
    },
    {
      name: 'the requester cannot remove a link staff added',
      before: byAgent,
      when: [unlink(), requester],
      then: { code: 'link.not-yours', field: 'id' },
    },
    {
      name: 'an unknown link names the id',
      before: byAgent,
      when: [unlink({ id: 'SO-9' }), agent],
      then: { code: 'link.not-found', field: 'id' },
    },
    { name: 'nothing to remove', when: [unlink(), agent], then: { code: 'link.none' } },
    {
      name: 'an outsider cannot',
      before: byAgent,
      when: [unlink(), outsider],
      then: { code: 'actor.forbidden' },
    },
    {
      name: 'an id is required',
      before: byAgent,
      when: [{ command: 'unlink', system: 'ERP', type: 'sales-order' } as unknown as Command, agent],
      then: { code: 'command.invalid', field: 'id' },
    },
  ])('$name', check);

  it('records the removed link in the trail', () => {
    const harness = given();
    harness.do(link(), agent);
    const added = harness.events[0]?.data.link;
    harness.do(unlink(), agent);
    expect(harness.events).toMatchObject([{ type: 'link.removed', data: { link: added } }]);
  });
});

describe('older states', () => {
  it('a state stored before links existed reads as having none and takes links', () => {
    const harness = given();
    const { links: _none, ...stored } = harness.ticket;
    expect('links' in stored).toBe(false);
    harness.state = JSON.parse(JSON.stringify(stored)) as TicketState;
    expect(linksOf(harness.ticket)).toEqual([]);
    expect(harness.allowed(agent)).not.toContain('unlink');
    harness.refused(unlink(), agent, 'link.none');
    harness.do(link(), agent);
    expect(harness.ticket.stateVersion).toBe(1);
    expect(linksOf(harness.ticket)).toHaveLength(1);
    expect(harness.allowed(agent)).toContain('unlink');
  });
});

describe('isWebAddress', () => {
  it.each([
    ['https://crm.example.com/opportunities/42', true],
    ['http://10.0.0.5:8080/asset?id=7#top', true],
    ['HTTPS://ERP.EXAMPLE.COM/x', true],
    ['https://', false],
    ['https://exa mple.com', false],
    ['mailto:ops@example.com', false],
    ['data:text/html,<script>', false],
    ['//erp.example.com/x', false],
  ])('%s → %s', (url, expected) => {
    expect(isWebAddress(url)).toBe(expected);
  });
});
