/**
 * Business calendars and shared SLA policies (`server/definitions/calendars.routes.ts`,
 * `sla-policies.routes.ts`). A calendar is saved with the revision it was loaded at (If-Match), so a newer save
 * by someone else is answered 409 instead of being overwritten.
 */
import type { LocalizedText } from '../../../runtime/common/types';
import type { BusinessCalendarDefinition } from '../../../runtime/time';
import { request } from './client';

export interface CalendarView {
  key: string;
  name: LocalizedText;
  zone: string;
  /** Shipped with Ordo (cn-standard, 24x7); still editable. */
  preset: boolean;
  revision: number;
  updatedAt: string;
  updatedBy: string;
  definition: BusinessCalendarDefinition;
}

export interface SlaPolicyView {
  key: string;
  name: LocalizedText;
  revision: number;
  updatedAt: string;
  updatedBy: string;
  policy: Record<string, unknown>;
}

export function listCalendars(): Promise<CalendarView[]> {
  return request<CalendarView[]>('/api/calendars');
}

export function getCalendar(key: string): Promise<CalendarView> {
  return request<CalendarView>(`/api/calendars/${encodeURIComponent(key)}`);
}

export function createCalendar(definition: BusinessCalendarDefinition): Promise<CalendarView> {
  return request<CalendarView>('/api/calendars', { method: 'POST', body: definition });
}

export function updateCalendar(
  definition: BusinessCalendarDefinition,
  revision: number,
): Promise<CalendarView> {
  return request<CalendarView>(`/api/calendars/${encodeURIComponent(definition.key)}`, {
    method: 'PUT',
    body: definition,
    headers: { 'If-Match': `"${revision}"` },
  });
}

export function listSlaPolicies(): Promise<SlaPolicyView[]> {
  return request<SlaPolicyView[]>('/api/sla-policies');
}
