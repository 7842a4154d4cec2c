/**
 * References from a definition to things defined elsewhere (teams, calendars, users…) and the check that they
 * exist. The caller passes what exists; a list left undefined is not checked.
 */
import type { LocalizedText, Problem } from '../common/types.js';
import { definitionProblem } from './messages.js';
import type { DefinitionMessageCode, ProblemPlace } from './messages.js';
import type { RuleVariable } from './rule-references.js';

export interface DefinitionRefs {
  /** Form field keys. `validateTicketType` takes them from the definition's own form when absent. */
  fields?: readonly string[];
  teams?: readonly string[];
  /** Calendar keys; `validateTicketType` adds the presets (`cn-standard`, `24x7`). */
  calendars?: readonly string[];
  /** Notification template keys; `validateTicketType` adds the definition's own templates. */
  templates?: readonly string[];
  roles?: readonly string[];
  users?: readonly string[];
  /** Status keys of the ticket type; `validateTicketType` takes them from the definition. */
  statuses?: readonly string[];
  /** Keys of other ticket types (sub-tickets). */
  ticketTypes?: readonly string[];
}

/** The kinds `x-ordo-ref` may name in a schema, and the list of `DefinitionRefs` each is checked against. */
const REFERENCE_LISTS = {
  field: { list: 'fields', code: 'definition.ref.unknownField', param: 'field' },
  team: { list: 'teams', code: 'definition.ref.unknownTeam', param: 'team' },
  calendar: { list: 'calendars', code: 'definition.ref.unknownCalendar', param: 'calendar' },
  template: { list: 'templates', code: 'definition.ref.unknownTemplate', param: 'template' },
  role: { list: 'roles', code: 'definition.ref.unknownRole', param: 'role' },
  user: { list: 'users', code: 'definition.ref.unknownUser', param: 'user' },
  status: { list: 'statuses', code: 'definition.ref.unknownStatus', param: 'status' },
  'ticket-type': { list: 'ticketTypes', code: 'definition.ref.unknownTicketType', param: 'ticketType' },
} as const satisfies Record<
  string,
  { list: keyof DefinitionRefs; code: DefinitionMessageCode; param: string }
>;

export type ReferenceKind = keyof typeof REFERENCE_LISTS;

export function isReferenceKind(kind: string): kind is ReferenceKind {
  return Object.prototype.hasOwnProperty.call(REFERENCE_LISTS, kind);
}

/** A problem when `value` is not among the known things of its kind; undefined when it exists or is not checked. */
export function checkReference(
  kind: ReferenceKind,
  value: string,
  path: string,
  refs: DefinitionRefs,
  where: LocalizedText,
  place: ProblemPlace = {},
): Problem | undefined {
  const { list, code, param } = REFERENCE_LISTS[kind];
  const known = refs[list];
  if (known === undefined || known.includes(value)) return undefined;
  return definitionProblem(code, path, { where, [param]: value }, place);
}

/**
 * What ticket rules (routing, priority, SLA, flow conditions) can read: DESIGN.md §3 “Rule contexts” as built by
 * `ticketRuleContext` in runtime/engine/rule-context.ts. Keep the two in step.
 */
export const TICKET_CONTEXT_ROOTS = [
  'data',
  'requester',
  'channel',
  'type',
  'priority',
  'status',
  'statusCategory',
  'team',
  'assignee',
  'tags',
  'text',
  'step',
  'now',
] as const;

export interface VariableCheckOptions {
  /** `ticket`: routing, priority, SLA and edge rules; `form`: form rules, which read the form's own values. */
  context: 'ticket' | 'form';
  /** Node ids of the flow, to check `step.<node id>.*`; undefined = not checked. */
  nodeIds?: ReadonlySet<string>;
  where: LocalizedText;
  place?: ProblemPlace;
}

/** Problems for variables that read a form field, a flow step or a context value that does not exist. */
export function checkRuleVariables(
  variables: readonly RuleVariable[],
  refs: DefinitionRefs,
  options: VariableCheckOptions,
): Problem[] {
  const problems: Problem[] = [];
  const place = options.place ?? {};
  for (const { variable, path } of variables) {
    const [root = '', second] = variable.split('.');
    if (options.context === 'form') {
      const problem = checkReference('field', root, path, refs, options.where, place);
      if (problem) problems.push(problem);
      continue;
    }
    if (!(TICKET_CONTEXT_ROOTS as readonly string[]).includes(root)) {
      problems.push(
        definitionProblem(
          'definition.ref.unknownVariable',
          path,
          { where: options.where, variable, allowed: TICKET_CONTEXT_ROOTS.map((name) => `${name}`) },
          place,
        ),
      );
    } else if (root === 'data' && second !== undefined) {
      const problem = checkReference('field', second, path, refs, options.where, place);
      if (problem) problems.push(problem);
    } else if (root === 'step' && second !== undefined && options.nodeIds && !options.nodeIds.has(second)) {
      problems.push(
        definitionProblem('definition.ref.unknownNode', path, { where: options.where, node: second }, place),
      );
    }
  }
  return problems;
}
