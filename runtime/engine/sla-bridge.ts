/**
 * Where the engine meets runtime/sla: starting clocks at open, pausing/resuming/stopping them on status changes,
 * stopping first response. TEMPORARY stubs until runtime/sla lands.
 */
import type { StatusCategory } from '../common/types.js';
import type { Session } from './session.js';

export function slaStart(_session: Session): void {}

export function slaStatusChanged(_session: Session, _before: StatusCategory, _after: StatusCategory): void {}

export function slaFirstResponse(_session: Session): void {}

const SLA_TIMER_PREFIX = 'sla:';

export function isSlaTimerKey(key: string): boolean {
  return key.startsWith(SLA_TIMER_PREFIX) || key.includes(':sla:');
}

export function slaTimerFired(session: Session, key: string): { ok: true } {
  session.emit('sla.timer', { key });
  return { ok: true };
}
