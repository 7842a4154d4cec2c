/**
 * Engine benchmark: one flow step decided in memory on the IT incident example — `open` (form, priority matrix,
 * routing, assignment, SLA clocks, run to the first step) and `complete-step` (leave triage, enter the approval),
 * each alone and together, and `open` as the server runs it (the published version frozen with its SLA policy and
 * a business calendar embedded, the calendars compiled once, teams and role members as the server reads them).
 * Run by `npm run bench` (bench/run.ts), not by the tests.
 */
import { decide } from '../engine/index.js';
import type { EngineContext, EngineDefinition, OpenCommand, TicketState } from '../engine/types.js';
import itIncident from '../engine/scenarios/it-incident.ticket-type.json' with { type: 'json' };
import {
  CN_STANDARD_CALENDAR_DEFINITION,
  PRESET_CALENDARS,
  compileCalendar,
  type BusinessCalendar,
  type BusinessCalendarDefinition,
} from '../time/index.js';

export interface BenchResult {
  name: string;
  opsPerSec: number;
  note?: string;
}

const ROUND_MS = 200;
const ROUNDS = 3;
const NOW = Date.parse('2026-03-04T09:30:00+08:00');

const definition = { ...itIncident, version: 1 } as unknown as EngineDefinition;
const context = (actor: EngineContext['actor']): EngineContext => ({
  now: NOW,
  actor,
  calendars: {},
  teams: {
    'it-desk': {
      key: 'it-desk',
      members: [
        { userId: 'u-agent', openTickets: 2 },
        { userId: 'u-agent2', openTickets: 1 },
      ],
      cursor: 0,
    },
  },
});
const requester = context({ id: 'u-req', roles: [], teams: [], kind: 'requester' });
const agent = context({ id: 'u-agent', roles: ['agent'], teams: ['it-desk'], kind: 'user' });
const open: OpenCommand = {
  command: 'open',
  id: 'T-bench',
  number: 'INC-2026-000001',
  data: { title: 'Mail is down', service: 'email', impact: 'team', urgency: 'medium' },
  requester: { id: 'u-req', manager: 'u-mgr' },
};

function opened(): TicketState {
  const result = decide(definition, undefined, open, requester);
  if (!result.ok) throw new Error(result.error.message.en);
  return result.state;
}

/**
 * What the server passes (server/tickets/ticket-ports.ts): the published definition frozen with its version, its
 * SLA policy measuring on a calendar embedded at publish, presets plus the embedded calendars compiled once per
 * version, teams with skills and availability, role members, a requester read from the user directory.
 */
const ITSM_OFFICE_CALENDAR: BusinessCalendarDefinition = {
  ...CN_STANDARD_CALENDAR_DEFINITION,
  key: 'itsm-office',
  name: { 'zh-CN': 'IT 服务台工作日历', en: 'IT service desk calendar' },
  zone: 'Asia/Shanghai',
  standardDay: [{ from: '08:30', to: '18:30' }],
  week: Object.fromEntries(
    (['monday', 'tuesday', 'wednesday', 'thursday', 'friday'] as const).map((day) => [
      day,
      [{ from: '08:30', to: '18:30' }],
    ]),
  ),
};
const publishedDefinition = Object.freeze({
  ...itIncident,
  sla: { ...itIncident.sla, calendar: ITSM_OFFICE_CALENDAR.key },
  calendars: { [ITSM_OFFICE_CALENDAR.key]: ITSM_OFFICE_CALENDAR },
  version: 3,
}) as unknown as EngineDefinition;
const serverCalendars: Record<string, BusinessCalendar> = {
  ...Object.fromEntries(PRESET_CALENDARS),
  [ITSM_OFFICE_CALENDAR.key]: compileCalendar(ITSM_OFFICE_CALENDAR),
};
const serverTeams: EngineContext['teams'] = {
  'it-desk': {
    key: 'it-desk',
    cursor: 0,
    supervisor: 'u-lead',
    backupTeam: 'it-l2',
    members: ['u-agent', 'u-agent2', 'u-agent3'].map((userId) => ({
      userId,
      skills: { email: 2, network: 1 },
      openTickets: 0,
    })),
  },
  'it-ops': {
    key: 'it-ops',
    cursor: 0,
    supervisor: 'u-ops-lead',
    members: [
      { userId: 'u-ops1', skills: { server: 3, network: 1 }, openTickets: 0 },
      { userId: 'u-ops2', skills: { network: 2 }, openTickets: 0 },
    ],
  },
  'it-l2': {
    key: 'it-l2',
    cursor: 0,
    members: [{ userId: 'u-l2', skills: {}, openTickets: 0 }],
  },
};
const serverRequester: EngineContext = {
  now: NOW,
  actor: { id: 'u-req', roles: [], teams: [], kind: 'requester' },
  calendars: serverCalendars,
  teams: serverTeams,
  roleMembers: { agent: ['u-agent', 'u-agent2', 'u-agent3', 'u-l2'], admin: ['u-admin'] },
};
/** Like the server benchmark's opens: every service, impact and urgency in turn, a long description. */
const SERVICES = ['email', 'vpn', 'erp', 'printer', 'other', 'network', 'server'];
const serverOpens: OpenCommand[] = Array.from({ length: 21 }, (_, n) => ({
  ...open,
  id: `T-bench-${n}`,
  data: {
    title: `打印机卡纸 bench ticket #${n}`,
    description: `Opened by the benchmark. ${'x'.repeat(200)}`,
    service: SERVICES[n % SERVICES.length],
    impact: ['person', 'team', 'company'][n % 3],
    urgency: ['low', 'medium', 'high'][Math.floor(n / 7) % 3],
    ...(SERVICES[n % SERVICES.length] === 'server' ? { hostname: `srv-${n}.corp.example` } : {}),
  },
  requester: {
    id: 'u-req',
    name: 'Li Lei',
    email: 'li.lei@example.com',
    locale: 'zh-CN',
    department: 'finance',
    manager: 'u-mgr',
  },
}));

let served = 0;
function openedAsServer(): TicketState {
  const command = serverOpens[served++ % serverOpens.length]!;
  const result = decide(
    publishedDefinition,
    { version: 0 } as unknown as TicketState,
    command,
    serverRequester,
  );
  if (!result.ok) throw new Error(result.error.message.en);
  return result.state;
}

function completeTriage(state: TicketState): TicketState {
  const result = decide(definition, state, { command: 'complete-step', outcome: 'needs-change' }, agent);
  if (!result.ok) throw new Error(result.error.message.en);
  return result.state;
}

function round(run: () => unknown): number {
  let operations = 0;
  let batch = 1;
  const started = performance.now();
  let elapsed = 0;
  while (elapsed < ROUND_MS) {
    for (let index = 0; index < batch; index += 1) run();
    operations += batch;
    batch = Math.min(batch * 2, 1024);
    elapsed = performance.now() - started;
  }
  return operations / (elapsed / 1000);
}

/** The server-like opens, for profiling and for checking that a faster decide returns the same. */
export const serverLikeOpens = {
  definition: publishedDefinition,
  context: serverRequester,
  commands: serverOpens,
};

export function benchEngine(): BenchResult[] {
  const atTriage = opened();
  const cases = [
    { name: 'open (form, priority, routing, assign, SLA, run to triage)', run: opened },
    { name: 'complete-step (triage → change approval)', run: () => completeTriage(atTriage) },
    {
      name: 'open + complete-step',
      run: () => completeTriage(opened()),
      note: 'one flow step decided in memory, state copied each decide',
    },
    {
      name: 'open as the server runs it (frozen version, SLA policy on an embedded calendar)',
      run: openedAsServer,
    },
  ];
  for (const entry of cases) round(entry.run);
  return cases.map(({ name, run, note }) => {
    let best = 0;
    for (let index = 0; index < ROUNDS; index += 1) best = Math.max(best, round(run));
    const perDecide = `${(1000 / best).toFixed(3)} ms per run`;
    return {
      name,
      opsPerSec: Math.round(best),
      note: note === undefined ? perDecide : `${perDecide}; ${note}`,
    };
  });
}
