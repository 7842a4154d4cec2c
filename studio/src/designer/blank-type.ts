/**
 * What a new ticket type starts with: statuses for every category, an empty form, the smallest flow that runs
 * (start → task → end) and the reference SLA table of DESIGN.md §3 — a draft that can be published as it is
 * once a routing rule names a team.
 */
import type { LocalizedText } from '../../../runtime/common/types';
import type { DraftDefinition } from './designer.types';

const status = (key: string, zh: string, en: string) => ({ key, name: { 'zh-CN': zh, en } });

/** The default SLA policy: urgent 15 min / 2 h and high 1 h / 8 h around the clock; medium and low in business time. */
export function defaultSlaPolicy(): Record<string, unknown> {
  return {
    calendar: 'cn-standard',
    pauseIn: ['pending'],
    warnAt: 0.75,
    targets: [
      {
        when: { '==': [{ var: 'priority' }, 'urgent'] },
        calendar: '24x7',
        firstResponse: { amount: 15, unit: 'minutes' },
        resolution: { amount: 2, unit: 'hours' },
      },
      {
        when: { '==': [{ var: 'priority' }, 'high'] },
        calendar: '24x7',
        firstResponse: { amount: 1, unit: 'hours' },
        resolution: { amount: 8, unit: 'hours' },
      },
      {
        when: { '==': [{ var: 'priority' }, 'medium'] },
        firstResponse: { amount: 4, unit: 'businessHours' },
        resolution: { amount: 3, unit: 'businessDays' },
      },
      {
        when: true,
        firstResponse: { amount: 24, unit: 'businessHours' },
        resolution: { amount: 7, unit: 'businessDays' },
      },
    ],
    escalations: [
      { at: 'warning', clock: 'resolution', do: [{ notify: 'assignee' }, { highlight: 'warning' }] },
      { at: 'breach', clock: 'any', do: [{ notify: 'supervisor' }, { highlight: 'breached' }] },
    ],
  };
}

export function blankTicketType(key: string, name: LocalizedText, category: string): DraftDefinition {
  return {
    key,
    name,
    category,
    numberFormat: `${prefixOf(key)}-{yyyy}-{seq:5}`,
    statuses: {
      new: [status('submitted', '已提交', 'Submitted')],
      open: [status('in-progress', '处理中', 'In progress')],
      pending: [status('awaiting-customer', '待回复', 'Awaiting reply')],
      resolved: [status('awaiting-confirmation', '待确认', 'Awaiting confirmation')],
      closed: [status('closed', '已关闭', 'Closed')],
      cancelled: [status('cancelled', '已取消', 'Cancelled')],
    },
    form: { schema: { type: 'object', properties: {}, required: [] }, layout: [] },
    flow: {
      nodes: [
        { id: 'start', type: 'start', position: { x: 0, y: 0 }, data: {} },
        {
          id: 'handle',
          type: 'task',
          position: { x: 0, y: 120 },
          data: { name: { 'zh-CN': '处理', en: 'Handle' }, assign: 'routing', outcomes: ['done'] },
        },
        { id: 'end', type: 'end', position: { x: 0, y: 240 }, data: { status: 'closed' } },
      ],
      edges: [
        { id: 'e-start-handle', source: 'start', target: 'handle' },
        { id: 'e-handle-end', source: 'handle', sourceHandle: 'done', target: 'end' },
      ],
    },
    routing: [],
    priority: { rules: [], default: 'medium' },
    sla: defaultSlaPolicy(),
    notifications: {},
  };
}

/** `hr.leave` → `LEAVE`, `it.incident` → `INCIDENT`: a readable number prefix to start from. */
function prefixOf(key: string): string {
  const last = key.split('.').pop() ?? key;
  const letters = last.replace(/[^a-z0-9]/gi, '').toUpperCase();
  return (letters || 'T').slice(0, 8);
}
