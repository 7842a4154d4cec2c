import type { DeepString } from '../zh-CN';
import type { settingsZh } from './settings.zh-CN';

/** Designer texts of the settings area (English). */
export const settingsEn: DeepString<typeof settingsZh> = {
  title: 'Settings',
  identity: 'Name and category',
  key: 'Key',
  keyHint: 'The key names this type in the API, in rules and on tickets; it cannot change.',
  category: 'Category',
  categoryHint: 'Lower-case letters, digits and dashes, e.g. it, hr, facilities.',
  nameZh: 'Name (Chinese)',
  nameEn: 'Name (English)',
  descriptionZh: 'Description (Chinese)',
  descriptionEn: 'Description (English)',
  numbering: 'Ticket numbers',
  numberFormat: 'Number format',
  numberFormatHint:
    'Placeholders: {dates} for the date, {sequence} for the sequence (exactly one).',
  numberExample: "Today's first ticket is {first}, the 42nd {later}",
  zone: 'Time zone',
  zoneHint: 'Dates in numbers are read in this zone.',
  unknownZone: 'The browser does not know the zone “{zone}”',
  statuses: 'Statuses',
  statusesHint:
    'At least one status per fixed category; the category decides whether the SLA pauses and whether the ticket is over.',
  categories: {
    new: 'New',
    open: 'Open',
    pending: 'Pending',
    resolved: 'Resolved',
    closed: 'Closed',
    cancelled: 'Cancelled',
  },
  categoryHints: {
    new: 'submitted, not yet worked on',
    open: 'someone is working on it',
    pending: 'waiting for others; the SLA pauses by default',
    resolved: 'waiting for the requester to confirm',
    closed: 'over',
    cancelled: 'withdrawn, not worked on',
  },
  statusColor: 'Colour of the status “{name}”',
  statusNameZh: 'Chinese name of status {n} in {category}',
  statusNameEn: 'English name of status {n} in {category}',
  statusKey: 'Key of status {n} in {category}',
  moveUp: 'Move the status “{name}” up',
  moveDown: 'Move the status “{name}” down',
  removeStatus: 'Remove the status “{name}”',
  newStatus: 'New status name',
  newStatusIn: 'Name of a new status in {category}',
  addStatus: 'Add',
};
