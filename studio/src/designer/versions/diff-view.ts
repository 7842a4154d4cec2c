/**
 * The runtime's diff (`diffDefinitions`, served by `GET …/diff`) made readable: changes grouped by what they are
 * about (form fields, flow steps, flow connections, rules, SLA, notifications, settings), and the flow changes
 * turned into an overlay for the canvas — nodes and edges added, removed or changed, with removed ones drawn from
 * the older side so the picture shows them too.
 */
import type { DefinitionChange } from '../../api/designer.api';
import type { FlowEdge, FlowNode } from '../../../../runtime/flow/types';
import type { ChangeKind } from '../flow/flow-overlay';

/** A flow as both sides of a diff hold it (the canvas's `DraftFlow` has this shape). */
export interface DraftFlow {
  nodes: FlowNode[];
  edges: FlowEdge[];
}

export const DIFF_GROUPS = ['form', 'nodes', 'edges', 'rules', 'sla', 'notifications', 'settings'] as const;
export type DiffGroup = (typeof DIFF_GROUPS)[number];

export interface DiffGroupView {
  group: DiffGroup;
  changes: DefinitionChange[];
}

/** Which group a change belongs to, by the first steps of its pointer. */
export function groupOf(path: string): DiffGroup {
  const [, top = '', second = ''] = path.split('/');
  if (top === 'form') return 'form';
  if (top === 'flow') return second === 'edges' ? 'edges' : 'nodes';
  if (top === 'routing' || top === 'priority') return 'rules';
  if (top === 'sla' || top === 'calendars') return 'sla';
  if (top === 'notifications') return 'notifications';
  return 'settings';
}

/** Changes grouped in a fixed order, empty groups left out. */
export function groupChanges(changes: readonly DefinitionChange[]): DiffGroupView[] {
  const byGroup = new Map<DiffGroup, DefinitionChange[]>();
  for (const change of changes) {
    const group = groupOf(change.path);
    byGroup.set(group, [...(byGroup.get(group) ?? []), change]);
  }
  return DIFF_GROUPS.filter((group) => byGroup.has(group)).map((group) => ({
    group,
    changes: byGroup.get(group) ?? [],
  }));
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The flow of a definition (either side of a diff), as lists even when a part is missing. */
export function flowOfDefinition(definition: unknown): DraftFlow {
  const flow = isRecord(definition) ? definition.flow : undefined;
  if (!isRecord(flow)) return { nodes: [], edges: [] };
  return {
    nodes: Array.isArray(flow.nodes) ? (flow.nodes as FlowNode[]) : [],
    edges: Array.isArray(flow.edges) ? (flow.edges as FlowEdge[]) : [],
  };
}

/**
 * Nodes and edges (by id) each flow change is about: a whole item added or removed is `added` / `removed`, a
 * change inside one is `changed`. Pointers index the newer flow, removals the older one. A node whose only change
 * is its place in the list (`moved`) did not change behaviour and is left out.
 */
export function flowChanges(
  changes: readonly DefinitionChange[],
  before: DraftFlow,
  after: DraftFlow,
): Record<string, ChangeKind> {
  const marks: Record<string, ChangeKind> = {};
  for (const change of changes) {
    const match = /^\/flow\/(nodes|edges)\/(\d+)(\/.*)?$/.exec(change.path);
    if (!match) continue;
    const [, list, indexText, rest] = match;
    if (change.kind === 'moved' && rest === undefined) continue;
    const side = change.kind === 'removed' && rest === undefined ? before : after;
    const items: { id: string }[] = list === 'nodes' ? side.nodes : side.edges;
    const id = items[Number(indexText)]?.id;
    if (id === undefined) continue;
    const kind: ChangeKind =
      rest === undefined && (change.kind === 'added' || change.kind === 'removed') ? change.kind : 'changed';
    // A whole item added or removed says more than a change inside it.
    if (marks[id] === undefined || kind !== 'changed') marks[id] = kind;
  }
  return marks;
}

/** The newer flow with the removed nodes and edges of the older one put back, so the canvas can show them. */
export function mergedFlow(
  before: DraftFlow,
  after: DraftFlow,
  marks: Record<string, ChangeKind>,
): DraftFlow {
  const nodeIds = new Set(after.nodes.map((node) => node.id));
  const edgeIds = new Set(after.edges.map((edge) => edge.id));
  const removedNodes = before.nodes.filter((node) => marks[node.id] === 'removed' && !nodeIds.has(node.id));
  const keptNodes = new Set([...nodeIds, ...removedNodes.map((node) => node.id)]);
  const removedEdges = before.edges.filter(
    (edge) =>
      marks[edge.id] === 'removed' &&
      !edgeIds.has(edge.id) &&
      keptNodes.has(edge.source) &&
      keptNodes.has(edge.target),
  );
  return { nodes: [...after.nodes, ...removedNodes], edges: [...after.edges, ...removedEdges] };
}
