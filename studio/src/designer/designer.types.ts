/**
 * Shapes the designer works on. The draft is the ticket type exactly as `PUT /api/ticket-types/:key/draft`
 * takes it (the runtime's `TicketTypeDefinition`, parts possibly incomplete while it is a draft): every editor
 * reads it from the designer store and changes it only through `designer.change()`.
 */
import type { LocalizedText, Problem } from '../../../runtime/common/types';
import type { TicketTypeDefinition } from '../../../runtime/definitions/ticket-type.schema';

export type { LocalizedText, Problem };

/** A draft: the definition with every part optional while it is being written (the server accepts that). */
export type DraftDefinition = Partial<TicketTypeDefinition> &
  Pick<TicketTypeDefinition, 'key' | 'name' | 'category'> &
  Record<string, unknown>;

/** The workspace's tabs, in the order they are shown. */
export const DESIGNER_TABS = ['form', 'flow', 'routing', 'sla', 'notifications', 'settings', 'json'] as const;
export type DesignerTab = (typeof DESIGNER_TABS)[number];

/**
 * Where a problem, a search result or a click wants the analyst to look: the tab, and the JSON pointer (and flow
 * node or edge) inside the draft. Each editor watches `designer.focus` and selects what the pointer names.
 */
export interface FocusTarget {
  tab: DesignerTab;
  /** JSON pointer into the draft, e.g. `/form/layout/0/fields/2/visibleWhen`. */
  path: string;
  nodeId?: string;
  edgeId?: string;
  /** Increases on every request, so asking for the same place twice is seen twice. */
  serial: number;
}

/** Sample ticket the form preview, the rule "try it" panels and simulate share. */
export interface SampleTicket {
  /** Form values as a requester would submit them. */
  data: Record<string, unknown>;
  /** Requester attributes rules read (`requester.level`, `requester.department`…). */
  requester: Record<string, unknown>;
  channel: string;
  /** Title and description, for keyword rules (`text`). */
  title: string;
}

export type SaveState = 'saved' | 'dirty' | 'saving' | 'conflict' | 'error';

/** Which tab owns a JSON pointer into the draft. */
export function tabOfPath(path: string): DesignerTab {
  const top = path.split('/')[1] ?? '';
  switch (top) {
    case 'form':
      return 'form';
    case 'flow':
      return 'flow';
    case 'routing':
    case 'priority':
      return 'routing';
    case 'sla':
      return 'sla';
    case 'notifications':
      return 'notifications';
    case 'key':
    case 'name':
    case 'description':
    case 'category':
    case 'numberFormat':
    case 'zone':
    case 'statuses':
      return 'settings';
    default:
      return 'json';
  }
}

/** Display text in the reader's language, falling back to the other one. */
export function localized(text: LocalizedText | undefined, locale: string): string {
  if (!text) return '';
  return (locale === 'en' ? text.en || text['zh-CN'] : text['zh-CN'] || text.en) ?? '';
}
