import { describe, expect, it } from 'vitest';
import { MAX_LINKS, linksOf } from './links.js';
import { TicketHarness, actors, definitionOf } from './test-support/harness.js';
import type { EngineActor, EngineDefinition, OpenCommand, OpenLink } from './types.js';
import flow from './commands.flow.json' with { type: 'json' };

/** A trigger or a channel opening on someone's behalf: the platform. */
const trigger: EngineActor = { id: 'trigger:t1', roles: [], teams: [], kind: 'system' };
const crmDeal: OpenLink = { system: 'crm', type: 'opportunity', id: 'OPP-7', title: '年度框架协议' };
const sourceTicket: OpenLink = {
  system: 'ordo',
  type: 'ticket',
  id: 't-source',
  title: 'INC-2026-000001',
  url: 'https://ordo.example.com/tickets/t-source',
};

const openCommand = (extra: Partial<OpenCommand> = {}): OpenCommand => ({
  command: 'open',
  id: 'T-1',
  number: 'INC-1',
  data: { title: 'Follow up the idle deal' },
  requester: { id: 'u-req', manager: 'u-mgr' },
  ...extra,
});

const given = (extra: Partial<EngineDefinition> = {}) => new TicketHarness(definitionOf(flow, extra));

describe('open with a team: the team named by the opener takes the ticket', () => {
  it('queues it in that team instead of routing’s pick, taking no turn there', () => {
    const harness = given();
    harness.do(openCommand({ team: 'ops' }), trigger);
    expect(harness.ticket.team).toBe('ops');
    expect(harness.ticket.assignee).toBeUndefined();
    expect(harness.ticket.flags.assignees).toEqual([]);
    expect(harness.effectsOf('assign-cursor')).toEqual([]);
    expect(harness.eventTypes()).not.toContain('assignment.decided');
    const assigned = harness.events.find((event) => event.type === 'ticket.assigned');
    expect(assigned?.data).toMatchObject({
      before: { team: null, assignee: null },
      after: { team: 'ops', assignee: null },
    });
  });

  it('leaves the ticket as an open followed by `assign` to the team would, in one decision', () => {
    const whole = given();
    whole.do(openCommand({ team: 'ops' }), trigger);
    const twoSteps = new TicketHarness(whole.definition);
    twoSteps.do(openCommand(), trigger);
    expect(twoSteps.ticket.team).toBe('desk');
    twoSteps.do({ command: 'assign', team: 'ops' }, actors.admin);
    for (const field of ['team', 'assignee', 'status', 'priority', 'tokens', 'sla'] as const)
      expect(whole.ticket[field], field).toEqual(twoSteps.ticket[field]);
    // The first step is worked by whoever works the ticket: the team's members, no one in particular.
    expect(whole.ticket.steps.work).toMatchObject({ status: 'active' });
    expect(whole.ticket.steps.work?.assignee).toBeUndefined();
    expect(twoSteps.ticket.steps.work?.assignee).toBeUndefined();
    expect(whole.allowed(actors.opsAgent)).toContain('complete-step');
    expect(whole.allowed(actors.opsAgent)).toEqual(twoSteps.allowed(actors.opsAgent));
    expect(whole.allowed(actors.agent)).toEqual(twoSteps.allowed(actors.agent));
  });

  it('keeps what routing says besides the handler: priority, tags, watchers', () => {
    const harness = given({
      routing: [
        {
          id: 'vip',
          when: true,
          then: {
            team: 'desk',
            strategy: 'round-robin',
            priorityAtLeast: 'high',
            tags: ['vip'],
            watchers: ['u-w'],
          },
        },
      ],
    });
    harness.do(openCommand({ team: 'ops' }), trigger);
    expect(harness.ticket).toMatchObject({ team: 'ops', priority: 'high', tags: ['vip'], watchers: ['u-w'] });
    expect(harness.eventTypes()).toContain('ticket.routed');
  });

  it('works without routing rules too', () => {
    const harness = given({ routing: undefined });
    harness.do(openCommand({ team: 'desk' }), trigger);
    expect(harness.ticket.team).toBe('desk');
    expect(harness.ticket.assignee).toBeUndefined();
  });
});

describe('open with links: the records the opener names are linked by the open', () => {
  it('links each in order, by the opener, each with its own `link.added` after `ticket.opened`', () => {
    const harness = given();
    harness.do(openCommand({ team: 'ops', links: [crmDeal, sourceTicket] }), trigger);
    expect(linksOf(harness.ticket)).toEqual([
      { ...crmDeal, addedBy: 'trigger:t1', at: harness.now },
      { ...sourceTicket, addedBy: 'trigger:t1', at: harness.now },
    ]);
    const types = harness.eventTypes();
    expect(types.filter((type) => type === 'link.added')).toHaveLength(2);
    expect(types.indexOf('ticket.opened')).toBeLessThan(types.indexOf('link.added'));
    // The same record linked again later is a duplicate, as after `link`.
    harness.refused({ command: 'link', ...crmDeal, system: 'CRM' }, actors.opsAgent, 'link.duplicate', 'id');
  });

  it('trims the key and the title as `link` does', () => {
    const harness = given();
    harness.do(
      openCommand({ links: [{ system: ' crm ', type: 'lead', id: ' L-1 ', title: ' 线索 ' }] }),
      trigger,
    );
    expect(linksOf(harness.ticket)[0]).toMatchObject({
      system: 'crm',
      type: 'lead',
      id: 'L-1',
      title: '线索',
    });
  });

  it('an open without links has none (and no `links` field)', () => {
    const harness = given();
    harness.do(openCommand({ links: [] }), trigger);
    expect(harness.ticket.links).toBeUndefined();
  });
});

describe('open with a team or links: refusals name the field, nothing is opened', () => {
  const tooMany = Array.from({ length: MAX_LINKS + 1 }, (_, index) => ({ ...crmDeal, id: `OPP-${index}` }));
  it.each<[string, Partial<OpenCommand>, string, string | undefined]>([
    ['a team the context does not know', { team: 'nobody' }, 'open.team-unknown', 'team'],
    ['an empty team', { team: '' }, 'command.invalid', 'team'],
    ['links that are not a list', { links: crmDeal as never }, 'command.invalid', 'links'],
    ['a link that is not an object', { links: ['OPP-7' as never] }, 'command.invalid', 'links/0'],
    [
      'a link without an id',
      { links: [{ system: 'crm', type: 'x' } as never] },
      'command.invalid',
      'links/0/id',
    ],
    ['a blank link type', { links: [{ ...crmDeal, type: ' ' }] }, 'command.invalid', 'links/0/type'],
    [
      'a title with a line break',
      { links: [{ ...crmDeal, title: 'a\nb' }] },
      'command.invalid',
      'links/0/title',
    ],
    ['an id too long', { links: [{ ...crmDeal, id: 'x'.repeat(201) }] }, 'command.too-long', 'links/0/id'],
    [
      'a script address',
      { links: [crmDeal, { ...sourceTicket, url: 'javascript:alert(1)' }] },
      'link.url-invalid',
      'links/1/url',
    ],
    [
      'the same record twice',
      { links: [crmDeal, { ...crmDeal, system: 'CRM', title: 'again' }] },
      'link.duplicate',
      'links/1/id',
    ],
    ['more links than a ticket holds', { links: tooMany }, 'link.too-many', undefined],
  ])('%s', (_case, extra, code, field) => {
    const harness = given();
    harness.refused(openCommand(extra), trigger, code, field);
    expect(harness.state).toBeUndefined();
  });
});
