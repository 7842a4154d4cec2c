import { useI18n } from 'vue-i18n';
import { assignmentMessages } from '../../../runtime/assignment/assignment-messages';
import { formatMessageIn } from '../../../runtime/common/types';
import { routingMessages } from '../../../runtime/routing/routing-messages';
import { slaMessages } from '../../../runtime/sla/sla-messages';
import type { Explanation, Locale, LocalizedText, StatusCategory, TicketTypeDefinition } from '../api/types';
import { matrixExplanationText, type MatrixDefinition } from '../components/priority-matrix-words';
import { useNamesStore } from '../stores/names.store';
import { useTeamsStore } from '../stores/teams.store';
import { useTicketTypesStore } from '../stores/ticket-types.store';
import { useFormat } from './useFormat';

/** The engine's sentences by code, to say them again with names and times for this reader. */
const MESSAGES: Record<string, LocalizedText> = { ...assignmentMessages, ...routingMessages, ...slaMessages };
/** Params of those sentences that hold a user id. */
const PERSON_PARAMS = ['assignee', 'user', 'approver', 'delegate', 'supervisor', 'requester'];
/** Params holding an instant the sentence shows as `due` (SLA sentences). */
const DUE_INSTANT: Record<string, string> = { 'sla.step.breach': 'reachedAt' };

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
  const names = useNamesStore();
  const { zonedDateTime } = useFormat();

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

  /** A team's name: from the teams (for those who may list them) or as the server named it with the ticket. */
  function teamName(key: string | null | undefined): string {
    if (!key) return t('common.none');
    return text(teams.byKey.get(key)?.name ?? names.teamName(key), key);
  }

  /** A person's display name as the server gave it with what mentions them; undefined when not known. */
  function personName(id: string | null | undefined): string | undefined {
    return names.userName(id);
  }

  /**
   * A category of ticket types: as a definition names it (given, or any published type of that category), else
   * the studio's word for a shipped category, else its key.
   */
  function typeCategoryName(category: string, named?: Partial<LocalizedText> | null): string {
    const given =
      named ??
      ticketTypes.types.find((type) => type.category === category && type.categoryName)?.categoryName;
    if (given && (given['zh-CN'] || given.en)) return text(given, category);
    return te(`tickets.typeCategory.${category}`) ? t(`tickets.typeCategory.${category}`) : category;
  }

  /**
   * One of the engine's explanations in the reader's words: said again from its code with people and teams by
   * name and due times in the reader's zone (the calendar's shown beside them when it differs); a sentence of
   * unknown code keeps its text, with the ids of people it names replaced by their names.
   */
  function explanationText(
    explanation: Explanation,
    calendarZone?: string,
    known: ReadonlyMap<string, string> = names.users,
    /** The ticket's type: a priority matrix's row and column are then named by the form's option labels. */
    definition?: MatrixDefinition,
  ): string {
    const matrix = matrixExplanationText(explanation, definition, locale.value === 'en' ? 'en' : 'zh-CN');
    if (matrix !== undefined) return matrix;
    const params = explanation.params ?? {};
    const template = MESSAGES[explanation.code];
    let result = text(explanation.text);
    if (template) {
      const overrides: Record<string, unknown> = {};
      for (const key of PERSON_PARAMS) {
        const value = params[key];
        if (typeof value === 'string' && known.has(value)) overrides[key] = known.get(value);
      }
      if (typeof params.team === 'string') overrides.team = teamName(params.team);
      const instant = params[DUE_INSTANT[explanation.code] ?? 'dueAt'];
      if (typeof instant === 'number' && 'due' in params)
        overrides.due = zonedDateTime(instant, calendarZone);
      const language: Locale = locale.value === 'en' ? 'en' : 'zh-CN';
      const values: Record<string, unknown> = { ...params, ...overrides };
      // Said again only when every placeholder has its value; some sentences are made from values the engine
      // does not keep in `params` (a matrix's row and column names): those keep the engine's own text.
      const placeholders = template[language].match(/\{(\w+)\}/g) ?? [];
      if (placeholders.every((placeholder) => values[placeholder.slice(1, -1)] !== undefined))
        result = formatMessageIn(language, template[language], values);
    }
    for (const [id, name] of known) if (result.includes(id)) result = result.split(id).join(name);
    return result;
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
    personName,
    typeCategoryName,
    explanationText,
    stepName,
    outcomeName,
  };
}
