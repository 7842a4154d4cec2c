import { useI18n } from 'vue-i18n';
import type { Locale, LocalizedText, StatusCategory, TicketTypeDefinition } from '../api/types';
import { useTeamsStore } from '../stores/teams.store';
import { useTicketTypesStore } from '../stores/ticket-types.store';

/**
 * Names of what a ticket shows — statuses, priorities, steps, outcomes, teams, types — in the reader's language,
 * from the ticket type's own definition first and the studio's words second.
 */
export function useTicketLabels() {
  const i18n = useI18n();
  const { t, locale } = i18n;
  const te = (key: string) => i18n.te(key);
  const ticketTypes = useTicketTypesStore();
  const teams = useTeamsStore();

  function text(value: Partial<LocalizedText> | null | undefined, fallback = ''): string {
    if (!value) return fallback;
    return value[locale.value as Locale] || value['zh-CN'] || value.en || fallback;
  }

  function categoryName(category: StatusCategory): string {
    return t(`tickets.category.${category}`);
  }

  function statusName(
    typeKey: string,
    status: { category: StatusCategory; key: string },
    definition: TicketTypeDefinition | undefined = ticketTypes.definitions[typeKey],
  ): string {
    const named = definition?.statuses?.[status.category]?.find((candidate) => candidate.key === status.key);
    return text(named?.name, categoryName(status.category));
  }

  function priorityName(priority: string): string {
    return te(`tickets.priority.${priority}`) ? t(`tickets.priority.${priority}`) : priority;
  }

  function channelName(channel: string): string {
    return te(`tickets.channel.${channel}`) ? t(`tickets.channel.${channel}`) : channel;
  }

  function typeName(key: string): string {
    const summary = ticketTypes.types.find((type) => type.key === key);
    return text(summary?.name ?? ticketTypes.definitions[key]?.name, key);
  }

  /** Team names for those who may read teams; everyone else sees the key. */
  function teamName(key: string | null | undefined): string {
    if (!key) return t('common.none');
    return text(teams.byKey.get(key)?.name, key);
  }

  function stepName(definition: TicketTypeDefinition | undefined, nodeId: string): string {
    const node = definition?.flow?.nodes.find((candidate) => candidate.id === nodeId);
    const name = node?.data?.name as LocalizedText | undefined;
    if (name) return text(name, nodeId);
    if (node && te(`tickets.nodeKind.${node.type}`)) return t(`tickets.nodeKind.${node.type}`);
    return nodeId;
  }

  /** The label the designer put on the outcome's edge, a known word, or the outcome key itself. */
  function outcomeName(
    definition: TicketTypeDefinition | undefined,
    nodeId: string,
    outcome: string,
  ): string {
    const edge = definition?.flow?.edges.find(
      (candidate) => candidate.source === nodeId && candidate.sourceHandle === outcome,
    );
    if (edge?.data?.label) return text(edge.data.label, outcome);
    return te(`tickets.outcome.${outcome}`) ? t(`tickets.outcome.${outcome}`) : outcome;
  }

  return {
    text,
    categoryName,
    statusName,
    priorityName,
    channelName,
    typeName,
    teamName,
    stepName,
    outcomeName,
  };
}
