/**
 * What the property panels pick from (teams, people, form fields, statuses, notification templates, steps, roles)
 * and how they word schema texts; provided by the flow tab, read by every `SchemaField`.
 */
import type { InjectionKey } from 'vue';
import type { RefKind } from './schema-form';

export interface PickOption {
  value: string;
  label: string;
}

export interface PanelContext {
  options(ref: RefKind): PickOption[] | undefined;
  /** A schema title, help text or value in the reader's language. */
  word(text: string): string;
}

export const PANEL_CONTEXT_KEY: InjectionKey<PanelContext> = Symbol('flow-panel-context');
