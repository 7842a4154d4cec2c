/**
 * The flow as the canvas draws it and back. The draft's nodes and edges are never handed to @vue-flow/core:
 * the canvas gets fresh objects made here (`toCanvas`), and every change the analyst makes comes back as a small
 * edit on the draft's own objects (`applyPositions`, `addEdge`, `removeElements`, `pasteElements`, `renameNode`),
 * so vue-flow's runtime fields (dimensions, handle bounds, selection…) never reach the saved definition and an
 * untouched flow stays byte-equal.
 */
import type { Edge, Node } from '@vue-flow/core';
import { MarkerType } from '@vue-flow/core';
import type { LocalizedText, Problem } from '../../../../runtime/common/types';
import type { FlowEdge, FlowEdgeData, FlowNode } from '../../../../runtime/flow/types';
import { nodeKindOf, nodeOutcomes } from '../../../../runtime/flow/registry';
import { NODE_ID_PATTERN } from '../../../../runtime/definitions/flow.schema';
import type { ChangeKind, FlowOverlay } from './flow-overlay';
import { initialNodeData, kindTitle } from './node-kinds';

/** The flow part of a draft: the graph, possibly incomplete or wrong while it is being drawn. */
export interface DraftFlow {
  nodes: FlowNode[];
  edges: FlowEdge[];
  viewport?: { x?: number; y?: number; zoom?: number };
}

/** An edit of an edge's `data`, made on a copy the caller stores back. */
export type EdgeDataEdit = (next: FlowEdgeData) => void;

export interface Position {
  x: number;
  y: number;
}

/** What a node on the canvas shows (the `data` of a vue-flow node; the draft's own `data` stays in the draft). */
export interface CanvasNodeData {
  kind: string;
  label: string;
  outcomes: string[];
  problems: string[];
  onPath: boolean;
  decision?: string;
  count?: number;
  change?: ChangeKind;
  current: boolean;
  readonly: boolean;
}

export interface CanvasEdgeData {
  problems: string[];
  conditional: boolean;
  isDefault: boolean;
}

export interface CanvasOptions {
  locale: string;
  problems?: readonly Problem[];
  overlay?: FlowOverlay;
  readonly?: boolean;
  /** Words the canvas needs for edges: the default branch, an edge with a condition, an outcome. */
  words?: { default: string; condition: string; outcome: (handle: string) => string };
}

const text = (value: LocalizedText | undefined, locale: string): string =>
  value ? ((locale === 'en' ? value.en || value['zh-CN'] : value['zh-CN'] || value.en) ?? '') : '';

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The nodes and edges of a draft's flow, whatever state it is in: the draft's own flow object when it is well
 * shaped (so edits through it land in the draft), else a cleaned copy to read from.
 */
export function flowOf(draft: { flow?: unknown } | null | undefined): DraftFlow {
  const flow = draft?.flow;
  if (!isRecord(flow)) return { nodes: [], edges: [] };
  if (
    Array.isArray(flow.nodes) &&
    Array.isArray(flow.edges) &&
    (flow.nodes as unknown[]).every(isRecord) &&
    (flow.edges as unknown[]).every(isRecord)
  )
    return flow as unknown as DraftFlow;
  const nodes = Array.isArray(flow.nodes) ? (flow.nodes as unknown[]).filter(isRecord) : [];
  const edges = Array.isArray(flow.edges) ? (flow.edges as unknown[]).filter(isRecord) : [];
  return { nodes: nodes as unknown as FlowNode[], edges: edges as unknown as FlowEdge[] };
}

export function nodeLabel(node: FlowNode, locale: string): string {
  const name = isRecord(node.data) ? (node.data.name as LocalizedText | undefined) : undefined;
  return text(name, locale) || text(kindTitle(node.type), locale) || node.id;
}

/** Problems by the node or edge they are about: the problem's own nodeId / edgeId, else its pointer. */
export function problemsByElement(
  flow: DraftFlow,
  problems: readonly Problem[],
  locale: string,
): { nodes: Map<string, string[]>; edges: Map<string, string[]> } {
  const nodes = new Map<string, string[]>();
  const edges = new Map<string, string[]>();
  const add = (map: Map<string, string[]>, id: string, message: string) => {
    const list = map.get(id);
    if (list) list.push(message);
    else map.set(id, [message]);
  };
  for (const problem of problems) {
    const message = text(problem.text, locale);
    const target = elementOfProblem(flow, problem);
    if (target?.nodeId !== undefined) add(nodes, target.nodeId, message);
    else if (target?.edgeId !== undefined) add(edges, target.edgeId, message);
  }
  return { nodes, edges };
}

/**
 * The node or edge a problem (or any pointer into the draft) names; a problem naming both (a gateway's outgoing
 * connection) is about the edge.
 */
export function elementOfProblem(
  flow: DraftFlow,
  problem: { path: string; nodeId?: string; edgeId?: string },
): { nodeId?: string; edgeId?: string } | undefined {
  if (problem.edgeId) return { edgeId: problem.edgeId };
  if (problem.nodeId) return { nodeId: problem.nodeId };
  const match = /^\/flow\/(nodes|edges)\/(\d+)(?:\/|$)/.exec(problem.path);
  if (match) {
    const index = Number(match[2]);
    if (match[1] === 'nodes') {
      const id = flow.nodes[index]?.id;
      return typeof id === 'string' ? { nodeId: id } : undefined;
    }
    const id = flow.edges[index]?.id;
    return typeof id === 'string' ? { edgeId: id } : undefined;
  }
  const steps = /^\/form\/steps\/([^/]+)/.exec(problem.path);
  if (steps?.[1]) return { nodeId: steps[1].replace(/~1/g, '/').replace(/~0/g, '~') };
  return undefined;
}

function validPosition(position: unknown): position is Position {
  return isRecord(position) && Number.isFinite(position.x) && Number.isFinite(position.y);
}

/** The nodes and edges vue-flow draws: fresh objects, nothing shared with the draft. */
export function toCanvas(
  flow: DraftFlow,
  options: CanvasOptions,
): { nodes: Node<CanvasNodeData>[]; edges: Edge<CanvasEdgeData>[] } {
  const { locale, overlay } = options;
  const marked = problemsByElement(flow, options.problems ?? [], locale);
  const pathNodes = new Set(overlay?.path?.nodeIds ?? []);
  const pathEdges = new Set(overlay?.path?.edgeIds ?? []);
  const current = new Set(overlay?.current ?? []);
  const kinds = new Map<string, string>();

  const nodes: Node<CanvasNodeData>[] = [];
  for (const node of flow.nodes) {
    if (typeof node.id !== 'string') continue;
    kinds.set(node.id, node.type);
    const position = validPosition(node.position)
      ? { x: node.position.x, y: node.position.y }
      : { x: 0, y: 0 };
    const data: CanvasNodeData = {
      kind: node.type,
      label: nodeLabel(node, locale),
      outcomes: nodeOutcomes(node.type, isRecord(node.data) ? node.data : {}),
      problems: marked.nodes.get(node.id) ?? [],
      onPath: pathNodes.has(node.id),
      current: current.has(node.id),
      readonly: options.readonly === true,
    };
    const decision = overlay?.path?.decisions?.[node.id];
    if (decision !== undefined) data.decision = decision;
    const count = overlay?.counts?.[node.id];
    if (count !== undefined) data.count = count;
    const change = overlay?.changes?.[node.id];
    if (change !== undefined) data.change = change;
    const classes = ['ordo-node'];
    if (data.problems.length > 0) classes.push('ordo-node--problem');
    nodes.push({
      id: node.id,
      type: 'ordo',
      position,
      data,
      class: classes.join(' '),
      ariaLabel: `${data.label} (${node.id})`,
      ...(options.readonly ? { draggable: false, connectable: false, deletable: false } : {}),
    });
  }

  const words = options.words;
  const edges: Edge<CanvasEdgeData>[] = [];
  for (const edge of flow.edges) {
    if (typeof edge.id !== 'string') continue;
    const data = isRecord(edge.data) ? edge.data : {};
    const fromGateway = kinds.get(edge.source) === 'exclusive';
    const conditional = fromGateway && data.when !== undefined;
    const isDefault = fromGateway && data.default === true;
    const problems = marked.edges.get(edge.id) ?? [];
    let label = text(data.label as LocalizedText | undefined, locale);
    if (!label && isDefault && words) label = words.default;
    else if (!label && conditional && words) label = words.condition;
    if (problems.length > 0) label = label ? `⚠ ${label}` : '⚠';
    const classes = ['ordo-edge'];
    if (problems.length > 0) classes.push('ordo-edge--problem');
    if (pathEdges.has(edge.id)) classes.push('ordo-edge--path');
    const change = overlay?.changes?.[edge.id];
    if (change) classes.push(`ordo-edge--${change}`);
    if (isDefault) classes.push('ordo-edge--default');
    edges.push({
      id: edge.id,
      source: edge.source,
      target: edge.target,
      sourceHandle: edge.sourceHandle ?? null,
      targetHandle: edge.targetHandle ?? null,
      type: 'smoothstep',
      label,
      class: classes.join(' '),
      markerEnd: MarkerType.ArrowClosed,
      data: { problems, conditional, isDefault },
      ariaLabel:
        problems.length > 0 ? `${label} — ${problems.join('; ')}` : `${edge.source} → ${edge.target}`,
      ...(options.readonly ? { updatable: false, deletable: false } : {}),
    });
  }
  return { nodes, edges };
}

/**
 * Put moved nodes where they were dropped. Only positions that differ are written (rounded to whole pixels), so a
 * drag that ends where it started changes nothing. Returns whether anything changed.
 */
export function applyPositions(flow: DraftFlow, positions: Record<string, Position>): boolean {
  let changed = false;
  for (const node of flow.nodes) {
    const next = positions[node.id];
    if (!next) continue;
    const x = Math.round(next.x);
    const y = Math.round(next.y);
    if (validPosition(node.position) && node.position.x === x && node.position.y === y) continue;
    if (
      validPosition(node.position) &&
      Math.round(node.position.x) === x &&
      Math.round(node.position.y) === y
    )
      continue;
    node.position = { x, y };
    changed = true;
  }
  return changed;
}

/** Whether a node id may be used: the runtime's pattern, and not taken by another node. */
export function nodeIdProblem(flow: DraftFlow, id: string, self?: string): 'pattern' | 'taken' | undefined {
  if (!new RegExp(NODE_ID_PATTERN).test(id) || id.length > 100) return 'pattern';
  if (flow.nodes.some((node) => node.id === id && node.id !== self)) return 'taken';
  return undefined;
}

/** A fresh id for a node of this kind: `task`, `task-2`, `task-3`… */
export function freshNodeId(flow: DraftFlow, kind: string, taken: Set<string> = new Set()): string {
  const used = new Set([...flow.nodes.map((node) => node.id), ...taken]);
  const base = kind.replace(/[.\s$]/g, '-') || 'step';
  if (!used.has(base)) return base;
  for (let n = 2; ; n += 1) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

function freshEdgeId(
  flow: DraftFlow,
  source: string,
  target: string,
  taken: Set<string> = new Set(),
): string {
  const used = new Set([...flow.edges.map((edge) => edge.id), ...taken]);
  const base = `e-${source}-${target}`;
  if (!used.has(base)) return base;
  for (let n = 2; ; n += 1) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}

/** A node of a kind as the palette drops it. */
export function newNode(flow: DraftFlow, kind: string, position: Position): FlowNode {
  return {
    id: freshNodeId(flow, kind),
    type: kind,
    position: { x: Math.round(position.x), y: Math.round(position.y) },
    data: initialNodeData(kind),
  };
}

export interface Connection {
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/**
 * Add the edge the analyst drew. The source handle is kept only when the node has outcomes (a node with one way
 * out has edges without one, as the runtime reads them). The same connection twice is not added again.
 */
export function addEdge(flow: DraftFlow, connection: Connection): FlowEdge | undefined {
  const source = flow.nodes.find((node) => node.id === connection.source);
  if (!source || !flow.nodes.some((node) => node.id === connection.target)) return undefined;
  const outcomes = nodeOutcomes(source.type, isRecord(source.data) ? source.data : {});
  const handle =
    connection.sourceHandle && outcomes.includes(connection.sourceHandle)
      ? connection.sourceHandle
      : undefined;
  if (
    flow.edges.some(
      (edge) =>
        edge.source === connection.source &&
        edge.target === connection.target &&
        (edge.sourceHandle ?? undefined) === handle,
    )
  )
    return undefined;
  const edge: FlowEdge = {
    id: freshEdgeId(flow, connection.source, connection.target),
    source: connection.source,
    target: connection.target,
  };
  if (handle !== undefined) edge.sourceHandle = handle;
  flow.edges.push(edge);
  return edge;
}

/** Remove nodes (with their edges and their step field rights) and edges. */
export function removeElements(
  draft: { flow?: unknown; form?: unknown },
  nodeIds: readonly string[],
  edgeIds: readonly string[],
): void {
  const flow = flowOf(draft);
  const nodes = new Set(nodeIds);
  const edges = new Set(edgeIds);
  if (nodes.size === 0 && edges.size === 0) return;
  const raw = draft.flow as DraftFlow;
  raw.nodes = flow.nodes.filter((node) => !nodes.has(node.id));
  raw.edges = flow.edges.filter(
    (edge) => !edges.has(edge.id) && !nodes.has(edge.source) && !nodes.has(edge.target),
  );
  const form = draft.form;
  if (isRecord(form) && isRecord(form.steps)) {
    const steps = form.steps;
    for (const id of nodes) delete steps[id];
  }
}

export interface Clipboard {
  nodes: FlowNode[];
  edges: FlowEdge[];
  /** Step field rights of the copied nodes. */
  steps: Record<string, unknown>;
}

/** What Ctrl+C keeps: the selected nodes, the edges among them and the selected edges between them. */
export function copyElements(
  draft: { flow?: unknown; form?: unknown },
  nodeIds: readonly string[],
): Clipboard {
  const flow = flowOf(draft);
  const ids = new Set(nodeIds);
  const nodes = flow.nodes.filter((node) => ids.has(node.id));
  const edges = flow.edges.filter((edge) => ids.has(edge.source) && ids.has(edge.target));
  const allSteps = isRecord(draft.form) && isRecord(draft.form.steps) ? draft.form.steps : {};
  const steps: Record<string, unknown> = {};
  for (const id of ids) if (allSteps[id] !== undefined) steps[id] = allSteps[id];
  return JSON.parse(JSON.stringify({ nodes, edges, steps })) as Clipboard;
}

/** Paste copied nodes shifted by `offset`, under fresh ids; returns the new node and edge ids. */
export function pasteElements(
  draft: { flow?: unknown; form?: unknown },
  clipboard: Clipboard,
  offset: Position,
): { nodeIds: string[]; edgeIds: string[] } {
  const flow = draft.flow as DraftFlow;
  const renamed = new Map<string, string>();
  const taken = new Set<string>();
  const nodeIds: string[] = [];
  for (const node of clipboard.nodes) {
    const id = freshNodeId(flow, node.id.replace(/-\d+$/, ''), taken);
    taken.add(id);
    renamed.set(node.id, id);
    const copy: FlowNode = JSON.parse(JSON.stringify(node)) as FlowNode;
    copy.id = id;
    const at = validPosition(node.position) ? node.position : { x: 0, y: 0 };
    copy.position = { x: Math.round(at.x + offset.x), y: Math.round(at.y + offset.y) };
    flow.nodes.push(copy);
    nodeIds.push(id);
  }
  const edgeIds: string[] = [];
  const takenEdges = new Set<string>();
  for (const edge of clipboard.edges) {
    const source = renamed.get(edge.source);
    const target = renamed.get(edge.target);
    if (!source || !target) continue;
    const copy: FlowEdge = JSON.parse(JSON.stringify(edge)) as FlowEdge;
    copy.id = freshEdgeId(flow, source, target, takenEdges);
    takenEdges.add(copy.id);
    copy.source = source;
    copy.target = target;
    flow.edges.push(copy);
    edgeIds.push(copy.id);
  }
  const stepEntries = Object.entries(clipboard.steps);
  if (stepEntries.length > 0 && isRecord(draft.form)) {
    const form = draft.form;
    if (!isRecord(form.steps)) form.steps = {};
    const steps = form.steps as Record<string, unknown>;
    for (const [id, rights] of stepEntries) {
      const to = renamed.get(id);
      if (to) steps[to] = JSON.parse(JSON.stringify(rights)) as unknown;
    }
  }
  return { nodeIds, edgeIds };
}

/**
 * Give a node another id: its edges, its step field rights and the settings that name it (`x-ordo-ref: node`,
 * such as a confirm step's reopen target) follow. Rules that read `step.<id>` are left to the checks to point out.
 */
export function renameNode(draft: { flow?: unknown; form?: unknown }, from: string, to: string): void {
  const flow = flowOf(draft);
  for (const node of flow.nodes) {
    if (node.id === from) node.id = to;
    const properties = nodeKindOf(node.type)?.configSchema.properties;
    if (isRecord(node.data) && isRecord(properties)) {
      for (const [key, value] of Object.entries(node.data)) {
        const schema = properties[key];
        if (value === from && isRecord(schema) && schema['x-ordo-ref'] === 'node') node.data[key] = to;
      }
    }
  }
  for (const edge of flow.edges) {
    if (edge.source === from) edge.source = to;
    if (edge.target === from) edge.target = to;
  }
  if (isRecord(draft.form) && isRecord(draft.form.steps) && draft.form.steps[from] !== undefined) {
    draft.form.steps[to] = draft.form.steps[from];
    delete draft.form.steps[from];
  }
}
