/**
 * The flows of the shipped packs, walked on a fake clock through the engine: given a ticket of a pack type, when
 * the people of the suggested teams act, then the ticket goes where the pack's description says.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EngineActor, EngineDefinition, TeamState } from '../runtime/engine/index.js';
import { TicketHarness } from '../runtime/engine/test-support/harness.js';
import { compileCalendar, type BusinessCalendarDefinition } from '../runtime/time/index.js';

const TEMPLATES_DIR = path.dirname(fileURLToPath(import.meta.url));

function definitionOf(pack: string, file: string): EngineDefinition {
  const text = readFileSync(path.join(TEMPLATES_DIR, pack, file), 'utf8');
  return { ...(JSON.parse(text) as Record<string, unknown>), version: 1 } as unknown as EngineDefinition;
}

function team(key: string, members: string[]): TeamState {
  return {
    key,
    members: members.map((userId) => ({ userId, openTickets: 0 })),
    cursor: 0,
    supervisor: 'u-sup',
  };
}

const person = (id: string, teams: string[] = []): EngineActor => ({
  id,
  roles: ['agent'],
  teams,
  kind: 'user',
});
const requester: EngineActor = { id: 'u-req', roles: [], teams: [], kind: 'requester' };
const manager = person('u-mgr');

function open(harness: TicketHarness, data: Record<string, unknown>) {
  return harness.do(
    {
      command: 'open',
      id: 'T-1',
      number: 'N-1',
      data,
      requester: { id: 'u-req', name: 'Zhou Min', manager: 'u-mgr' },
    },
    requester,
  );
}

const notified = (harness: TicketHarness): unknown[] =>
  harness.effectsOf('notify').map((effect) => effect.template);

describe('hr.leave: manager, then HR beyond 3 days', () => {
  const definition = definitionOf('hr', 'leave.ticket-type.json');
  const hrAgent = person('u-hr', ['hr']);
  const teams = { hr: team('hr', ['u-hr']) };
  const leave = (days: number) => ({
    title: 'Annual leave',
    leaveType: 'annual',
    startDate: '2026-03-16',
    endDate: '2026-03-20',
    days,
    handoverTo: 'u-colleague',
  });

  it('ends after the manager for up to 3 days, with HR recording it', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, leave(3));
    expect(harness.at).toEqual(['manager-approval']);
    expect(harness.ticket.status.key).toBe('manager-review');

    harness.do({ command: 'approve', comment: 'Enjoy' }, manager);
    expect(notified(harness)).toContain('leave-approved');
    expect(harness.at).toEqual(['record']);
    harness.do({ command: 'complete-step', outcome: 'recorded' }, hrAgent);
    expect(harness.ticket.status).toEqual({ category: 'closed', key: 'closed' });
  });

  it('asks HR too for more than 3 days, and HR may decline', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, leave(5));
    harness.do({ command: 'approve' }, manager);
    expect(harness.at).toEqual(['hr-approval']);
    expect(harness.ticket.status.key).toBe('hr-review');
    harness.refused({ command: 'approve' }, person('u-outsider', ['it-desk']), 'approval.not-approver');

    harness.do({ command: 'reject', comment: 'Peak season' }, hrAgent);
    expect(notified(harness)).toContain('leave-rejected');
    expect(harness.ticket.status).toEqual({ category: 'cancelled', key: 'rejected' });
  });

  it('stops at the manager when the manager declines', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, leave(5));
    harness.do({ command: 'reject' }, manager);
    expect(harness.ticket.status).toEqual({ category: 'cancelled', key: 'rejected' });
    expect(harness.ticket.steps['hr-approval']).toBeUndefined();
  });
});

describe('hr.onboarding: IT, administration and HR in parallel, then orientation', () => {
  const definition = definitionOf('hr', 'onboarding.ticket-type.json');
  const teams = {
    hr: team('hr', ['u-hr']),
    'it-desk': team('it-desk', ['u-it']),
    'admin-office': team('admin-office', ['u-admin']),
  };

  it('waits for all three branches before the orientation', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, {
      title: 'New developer',
      employeeName: 'Zhang Wei',
      department: 'R&D',
      position: 'Engineer',
      employmentType: 'full-time',
      startDate: '2026-04-07',
      lineManager: 'u-lead',
      needsLaptop: true,
      laptopProfile: 'developer',
    });
    expect(harness.at).toEqual(['hr-paperwork', 'it-accounts', 'workstation']);
    expect(harness.ticket.team).toBe('hr');
    expect(harness.ticket.steps['it-accounts']?.assignee).toBe('u-it');
    expect(harness.ticket.steps.workstation?.assignee).toBe('u-admin');

    // The admin office may not finish IT's branch.
    harness.refused(
      { command: 'complete-step', nodeId: 'it-accounts', outcome: 'done' },
      person('u-admin', ['admin-office']),
      'actor.forbidden',
    );
    harness.do(
      {
        command: 'complete-step',
        nodeId: 'it-accounts',
        outcome: 'done',
        data: { workEmail: 'zhang.wei@example.com' },
      },
      person('u-it', ['it-desk']),
    );
    harness.do(
      { command: 'complete-step', nodeId: 'workstation', outcome: 'done' },
      person('u-admin', ['admin-office']),
    );
    // Two branches are parked at the join, one still works.
    expect(harness.at).toEqual(['hr-paperwork', 'join', 'join']);

    harness.do(
      {
        command: 'complete-step',
        nodeId: 'hr-paperwork',
        outcome: 'done',
        data: { employeeId: 'E1024', contractSigned: true },
      },
      person('u-hr', ['hr']),
    );
    expect(harness.at).toEqual(['orientation']);
    expect(harness.ticket.data.workEmail).toBe('zhang.wei@example.com');

    harness.do({ command: 'complete-step', outcome: 'done' }, person('u-hr', ['hr']));
    expect(notified(harness)).toContain('onboarding-complete');
    expect(harness.ticket.status.category).toBe('closed');
  });
});

describe('admin.travel-expense: manager, then any accountant (或签)', () => {
  const definition = definitionOf('administration', 'travel-expense.ticket-type.json');
  const teams = { finance: team('finance', ['u-acc1', 'u-acc2']) };

  it('adds up the claim, and the first accountant’s decision settles the check', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, {
      title: 'Shanghai trip',
      tripPurpose: 'Customer visits',
      destination: 'Shanghai',
      tripDates: { start: '2026-02-24', end: '2026-02-26' },
      expenses: [
        { date: '2026-02-24', category: 'transport', amount: 553 },
        { date: '2026-02-24', category: 'hotel', amount: 1200.5 },
      ],
      receipts: ['att-1'],
      paymentMethod: 'card-offset',
    });
    expect(harness.ticket.data.total).toBe(1753.5);
    expect(harness.at).toEqual(['manager-approval']);

    harness.do({ command: 'approve' }, manager);
    expect(harness.at).toEqual(['finance-review']);
    expect(harness.ticket.approvals['finance-review']?.approvers.map((record) => record.slot)).toEqual([
      { kind: 'team', team: 'finance' },
    ]);

    harness.do({ command: 'approve' }, person('u-acc2', ['finance']));
    expect(harness.ticket.approvals['finance-review']?.result).toBe('approved');
    expect(harness.at).toEqual(['pay']);
    harness.do({ command: 'complete-step', outcome: 'paid' }, person('u-acc1', ['finance']));
    expect(notified(harness)).toContain('expense-paid');
    expect(harness.ticket.status).toEqual({ category: 'closed', key: 'paid' });
  });
});

describe('admin.seal-use: manager and the whole seal committee (会签)', () => {
  const definition = definitionOf('administration', 'seal-use.ticket-type.json');
  const teams = {
    'admin-office': team('admin-office', ['u-keeper']),
    'seal-committee': team('seal-committee', ['u-legal', 'u-cfo']),
  };
  const request = {
    title: 'Supply contract',
    sealType: 'contract-seal',
    documentName: 'Supply contract 2026',
    documentType: 'contract',
    copies: 2,
    counterparty: 'Acme Ltd',
    purpose: 'Yearly supply contract',
    document: ['att-1'],
  };

  it('needs every approval; then the keeper stamps and files it', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, request);
    const slots = harness.ticket.approvals.countersign?.approvers.map((record) => record.slot);
    expect(slots).toEqual([
      { kind: 'user', userId: 'u-mgr' },
      { kind: 'user', userId: 'u-legal' },
      { kind: 'user', userId: 'u-cfo' },
    ]);
    harness.do({ command: 'approve' }, manager);
    harness.do({ command: 'approve' }, person('u-legal', ['seal-committee']));
    expect(harness.at).toEqual(['countersign']);
    harness.do({ command: 'approve' }, person('u-cfo', ['seal-committee']));
    expect(harness.at).toEqual(['stamp']);

    harness.do(
      { command: 'complete-step', outcome: 'stamped', data: { sealLogNo: 'S-0042' } },
      person('u-keeper', ['admin-office']),
    );
    expect(notified(harness)).toContain('seal-done');
    expect(harness.ticket.status.category).toBe('closed');
  });

  it('is declined by a single objection, and a seal taken out must come back', () => {
    const declined = new TicketHarness(definition, { teams });
    open(declined, request);
    declined.do({ command: 'approve' }, manager);
    declined.do({ command: 'reject', comment: 'Clause 7 unacceptable' }, person('u-cfo', ['seal-committee']));
    expect(declined.ticket.status).toEqual({ category: 'cancelled', key: 'rejected' });

    const takenOut = new TicketHarness(definition, { teams });
    open(takenOut, { ...request, takeOut: true, takeOutReturnDate: '2026-03-05' });
    for (const approver of [
      manager,
      person('u-legal', ['seal-committee']),
      person('u-cfo', ['seal-committee']),
    ])
      takenOut.do({ command: 'approve' }, approver);
    takenOut.do({ command: 'complete-step', outcome: 'stamped' }, person('u-keeper', ['admin-office']));
    expect(takenOut.at).toEqual(['seal-return']);
    expect(takenOut.ticket.status.key).toBe('seal-out');
  });
});

describe('it.permission-change: manager, then information security', () => {
  const definition = definitionOf('it-service-desk', 'permission-change.ticket-type.json');
  const teams = {
    'it-desk': team('it-desk', ['u-desk']),
    'it-ops': team('it-ops', ['u-ops']),
    'it-security': team('it-security', ['u-sec']),
  };

  it('asks both in order before anyone carries it out', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, {
      title: 'Sales report access',
      system: 'bi',
      changeType: 'grant',
      permissionLevel: 'read',
      resources: 'Daily sales board',
      forWhom: 'self',
      justification: 'I analyse the east region.',
    });
    expect(harness.at).toEqual(['manager-approval']);
    harness.refused({ command: 'approve' }, person('u-sec', ['it-security']), 'approval.not-approver');
    harness.do({ command: 'approve' }, manager);
    expect(harness.at).toEqual(['security-approval']);
    expect(harness.ticket.status.key).toBe('security-review');
    harness.do({ command: 'approve' }, person('u-sec', ['it-security']));
    expect(harness.at).toEqual(['implement']);
    harness.do({ command: 'complete-step', outcome: 'done' }, person('u-ops', ['it-ops']));
    expect(notified(harness)).toContain('permission-changed');
    expect(harness.at).toEqual(['confirm']);
  });
});

describe('admin.office-supplies: out of stock waits, then tries again', () => {
  const definition = definitionOf('administration', 'office-supplies.ticket-type.json');
  const teams = { 'admin-office': team('admin-office', ['u-admin']) };

  it('pauses in a pending status for the restock, then goes back to the shelf', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, {
      title: 'Pens',
      items: [{ name: 'Gel pen', quantity: 10 }],
      estimatedTotal: 40,
      urgency: 'normal',
      deliverTo: '3F',
    });
    expect(harness.at).toEqual(['fulfil']);
    harness.do({ command: 'complete-step', outcome: 'out-of-stock' }, person('u-admin', ['admin-office']));
    expect(harness.ticket.status).toEqual({ category: 'pending', key: 'awaiting-stock' });
    const timer = harness.effectsOf('schedule').find((effect) => effect.reason === 'wait');
    harness.fire(timer);
    expect(harness.at).toEqual(['fulfil']);
    harness.do({ command: 'complete-step', outcome: 'delivered' }, person('u-admin', ['admin-office']));
    expect(notified(harness)).toContain('supplies-ready');
    expect(harness.ticket.status).toEqual({ category: 'resolved', key: 'delivered' });
  });
});

describe('mfg.production-exception: a stopped line raises the alarm at once', () => {
  const definition = definitionOf('manufacturing', 'production-exception.ticket-type.json');
  const shifts = JSON.parse(
    readFileSync(path.join(TEMPLATES_DIR, 'manufacturing', 'two-shift.calendar.json'), 'utf8'),
  ) as BusinessCalendarDefinition;
  const teams = { maintenance: team('maintenance', ['u-tech']), production: team('production', ['u-lead']) };

  it('notifies supervisors and production, and is urgent on the 24×7 clock', () => {
    const harness = new TicketHarness(definition, {
      teams,
      calendars: { 'mfg-two-shift': compileCalendar(shifts) },
    });
    const opened = open(harness, {
      title: 'Feeder jam',
      line: 'line-2',
      exceptionType: 'equipment',
      lineStopped: true,
      stoppedSince: '2026-03-04T09:10:00+08:00',
      description: 'The feeder jams and the line stands still.',
    });
    expect(harness.ticket.priority).toBe('urgent');
    expect(harness.ticket.team).toBe('maintenance');
    const alert = opened.effects.find(
      (effect) => effect.kind === 'notify' && effect.template === 'line-stopped',
    );
    expect(alert?.recipients).toEqual(expect.arrayContaining([{ team: 'production' }]));
    expect(harness.at).toEqual(['handle']);
  });
});

describe('project.task: a blocked owner asks the requester and waits', () => {
  const definition = definitionOf('project', 'task.ticket-type.json');
  const teams = { pmo: team('pmo', ['u-pmo']) };

  it('goes back to the owner once the requester replies, or tells the PMO after the time-out', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, {
      title: 'Migration script',
      project: 'ERP upgrade',
      owner: 'u-dev',
      dueDate: '2026-03-20',
      level: 'p2',
      deliverables: 'Scripts and a check report',
    });
    expect(harness.ticket.steps.work?.assignee).toBe('u-dev');
    const owner = person('u-dev');
    harness.do(
      { command: 'complete-step', outcome: 'blocked', data: { blocker: 'Field mapping unclear' } },
      owner,
    );
    expect(notified(harness)).toContain('task-blocked');
    expect(harness.ticket.status).toEqual({ category: 'pending', key: 'blocked' });
    harness.do({ command: 'reply-received', body: 'Use the v2 mapping' }, requester);
    expect(harness.at).toEqual(['work']);

    harness.do({ command: 'complete-step', outcome: 'blocked' }, owner);
    const timeout = harness.effectsOf('schedule').find((effect) => effect.reason === 'reply-timeout');
    harness.fire(timeout);
    expect(harness.at).toEqual(['work']);
    expect(
      harness.log.some((event) => event.type === 'step.entered' && event.data.nodeId === 'notify-stalled'),
    ).toBe(true);
  });
});

describe('cs.complaint: the customer is asked, confirms, rates; the lesson is captured', () => {
  const definition = definitionOf('customer-service', 'complaint.ticket-type.json');
  const agent = person('u-cs', ['customer-service']);
  const teams = {
    'customer-service': team('customer-service', ['u-cs']),
    'cs-escalation': team('cs-escalation', ['u-lead']),
  };

  it('pauses while waiting for the customer, captures the lesson before asking for confirmation', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, {
      title: 'Parcel late by a week',
      complaintType: 'delivery',
      severity: 'normal',
      orderNo: 'SO-1',
    });
    expect(notified(harness)).toContain('request-received');
    expect(harness.at).toEqual(['investigate']);
    harness.do({ command: 'complete-step', outcome: 'need-info' }, agent);
    expect(notified(harness)).toContain('customer-info-needed');
    expect(harness.ticket.status).toEqual({ category: 'pending', key: 'awaiting-customer' });
    harness.do({ command: 'reply-received', body: 'Tracking number ZT123' }, requester);
    expect(harness.at).toEqual(['investigate']);

    harness.do(
      { command: 'complete-step', outcome: 'resolved', data: { resolutionSummary: 'Re-sent by express' } },
      agent,
    );
    expect(harness.at).toEqual(['capture-knowledge']);
    harness.do(
      {
        command: 'complete-step',
        outcome: 'done',
        data: { knowledgeSummary: 'Check the carrier first' },
      },
      agent,
    );
    expect(harness.ticket.status).toEqual({ category: 'resolved', key: 'awaiting-confirmation' });
    harness.do({ command: 'confirm' }, requester);
    expect(harness.ticket.status.category).toBe('closed');
    expect(harness.effectsOf('survey')).toHaveLength(1);
  });

  it('alerts the complaint leads about a critical complaint and routes it to them', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, {
      title: 'Heater smoking',
      complaintType: 'product-quality',
      severity: 'critical',
      orderNo: 'SO-2',
    });
    expect(notified(harness)).toContain('complaint-critical');
    expect(harness.ticket.team).toBe('cs-escalation');
    expect(harness.ticket.priority).toBe('urgent');
  });
});

describe('cs.after-sales: a large refund needs a lead’s approval', () => {
  const definition = definitionOf('customer-service', 'after-sales.ticket-type.json');
  const agent = person('u-cs', ['customer-service']);
  const lead = person('u-lead', ['cs-escalation']);
  const teams = {
    'customer-service': team('customer-service', ['u-cs']),
    'cs-escalation': team('cs-escalation', ['u-lead']),
    'after-sales': team('after-sales', ['u-eng']),
  };

  it('goes to the approval above 2,000 and to the service once approved', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, { title: 'Refund the sofa', requestType: 'refund', orderNo: 'SO-3', refundAmount: 5800 });
    harness.do({ command: 'complete-step', outcome: 'accepted' }, agent);
    expect(harness.at).toEqual(['refund-approval']);
    harness.do({ command: 'approve' }, lead);
    expect(harness.at).toEqual(['service']);
  });

  it('tells the customer when the request is declined', () => {
    const harness = new TicketHarness(definition, { teams });
    open(harness, { title: 'Return after two years', requestType: 'return', orderNo: 'SO-4' });
    harness.do({ command: 'complete-step', outcome: 'declined' }, agent);
    expect(notified(harness)).toContain('request-declined');
    expect(harness.ticket.status.category).toBe('cancelled');
  });
});
