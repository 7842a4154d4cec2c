/** The `sla` object of the it-incident example ticket type (the reference table of DESIGN.md §3). */
import type { SlaPolicy } from './sla.types.js';

export const IT_INCIDENT_SLA: SlaPolicy = {
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
    {
      at: 'breach',
      after: { amount: 1, unit: 'hours' },
      clock: 'resolution',
      do: [{ reassign: 'backup-team' }, { raisePriority: 1 }],
    },
  ],
};
