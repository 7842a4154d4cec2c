import { defineStore } from 'pinia';
import { ref } from 'vue';
import * as ticketTypesApi from '../api/ticket-types.api';
import type { TicketTypeDefinition, TicketTypeSummary } from '../api/types';

/**
 * Ticket type definitions, each fetched once per page load: lists need status names, the portal the form, the
 * ticket page the steps and outcomes of the version the ticket runs on.
 */
export const useTicketTypesStore = defineStore('ticket-types', () => {
  const types = ref<TicketTypeSummary[]>([]);
  const loaded = ref(false);
  const published = new Map<string, Promise<{ version: number; definition: TicketTypeDefinition }>>();
  const versions = new Map<string, Promise<TicketTypeDefinition>>();
  /** Definitions already at hand, by type key, for synchronous look-ups in templates. */
  const definitions = ref<Record<string, TicketTypeDefinition>>({});

  async function loadList(): Promise<TicketTypeSummary[]> {
    types.value = await ticketTypesApi.listTicketTypes();
    loaded.value = true;
    return types.value;
  }

  /** The newest published version (the form a new ticket gets). */
  function latest(key: string): Promise<{ version: number; definition: TicketTypeDefinition }> {
    let pending = published.get(key);
    if (!pending) {
      pending = ticketTypesApi.getPublishedTicketType(key).then((answer) => {
        definitions.value = { ...definitions.value, [key]: answer.definition };
        return { version: answer.version, definition: answer.definition };
      });
      // A failed look-up is not remembered: the next page asks again.
      pending.catch(() => published.delete(key));
      published.set(key, pending);
    }
    return pending;
  }

  /**
   * The version a ticket runs on (its steps and outcomes). Only staff may read old versions; everyone else gets
   * the newest published one, which names the same statuses in all but the rarest cases.
   */
  function forTicket(key: string, version: number, staff: boolean): Promise<TicketTypeDefinition> {
    if (!staff) return latest(key).then((answer) => answer.definition);
    const id = `${key}@${version}`;
    let pending = versions.get(id);
    if (!pending) {
      pending = ticketTypesApi.getTicketTypeVersion(key, version).then((answer) => answer.definition);
      pending.catch(() => versions.delete(id));
      versions.set(id, pending);
    }
    return pending;
  }

  /** Status names of every type in `keys`, fetched in the background; failures just leave keys showing. */
  function prefetch(keys: Iterable<string>): void {
    for (const key of new Set(keys)) if (!published.has(key)) latest(key).catch(() => undefined);
  }

  return { types, loaded, definitions, loadList, latest, forTicket, prefetch };
});
