import type { Connection } from 'mongoose';
import type { LocalizedText } from '../../runtime/common/types.js';

export const CALENDARS_COLLECTION = 'calendars';

export interface CalendarDoc {
  /** The calendar's key, e.g. `cn-standard`. */
  _id: string;
  name: LocalizedText;
  zone: string;
  /** The calendar definition (JSON text), validated by the runtime's calendar schema. */
  definition: string;
  revision: number;
  /** Shipped with Ordo and seeded at start; admins may still extend it (more years, company days). */
  preset: boolean;
  createdAt: Date;
  updatedAt: Date;
  updatedBy: string;
}

export function calendars(db: Connection) {
  return db.collection<CalendarDoc>(CALENDARS_COLLECTION);
}
