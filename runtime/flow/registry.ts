/**
 * Every node kind the flow can hold, by its `type`. The definitions engineer builds the flow schema from these
 * config schemas; the studio renders them as property panels; the runner executes them.
 */
import type { EffectKind, FlowNode, JsonSchema, NodeKindModule } from './types.js';
import { actionNode } from './nodes/action.node.js';
import { approvalNode } from './nodes/approval.node.js';
import { confirmNode } from './nodes/confirm.node.js';
import { endNode } from './nodes/end.node.js';
import { conditionEdgeDataSchema, exclusiveNode } from './nodes/exclusive.node.js';
import { notifyNode } from './nodes/notify.node.js';
import { parallelNode } from './nodes/parallel.node.js';
import { startNode } from './nodes/start.node.js';
import { taskNode } from './nodes/task.node.js';
import { waitNode } from './nodes/wait.node.js';

export const NODE_KINDS = [
  'start',
  'task',
  'approval',
  'exclusive',
  'parallel',
  'notify',
  'action',
  'wait',
  'confirm',
  'end',
] as const;
export type NodeKind = (typeof NODE_KINDS)[number];

// Each module is typed by its own config; the registry only hands them out by kind, so it erases the config type.
type AnyNodeKindModule = NodeKindModule<never>;

export const nodeKinds: Record<NodeKind, AnyNodeKindModule> = {
  start: startNode,
  task: taskNode,
  approval: approvalNode,
  exclusive: exclusiveNode,
  parallel: parallelNode,
  notify: notifyNode,
  action: actionNode,
  wait: waitNode,
  confirm: confirmNode,
  end: endNode,
};

export function isNodeKind(kind: string): kind is NodeKind {
  return Object.prototype.hasOwnProperty.call(nodeKinds, kind);
}

/** The module of a kind, typed loosely for callers that read configs straight from a stored flow. */
export function nodeKindOf(kind: string): NodeKindModule<Record<string, unknown>> | undefined {
  return isNodeKind(kind) ? nodeKinds[kind] : undefined;
}

/** `node.data` schema per kind, for the flow schema and the studio's property panels. */
export const nodeConfigSchemas: Record<NodeKind, JsonSchema> = Object.fromEntries(
  NODE_KINDS.map((kind) => [kind, nodeKinds[kind].configSchema]),
) as Record<NodeKind, JsonSchema>;

/** `data` of an edge leaving an exclusive gateway. */
export const edgeDataSchema: JsonSchema = conditionEdgeDataSchema;

/** Outcomes (sourceHandles) of a node, as the publish checks need them. */
export function nodeOutcomes(kind: string, data: Record<string, unknown> | undefined): string[] {
  return nodeKindOf(kind)?.outcomes(data ?? {}) ?? [];
}

/** Kinds where a person or a timer must act: a cycle through one of them is not automatic. */
export function nodeKindWaits(kind: string, data: Record<string, unknown> | undefined): boolean {
  return nodeKindOf(kind)?.waits(data ?? {}) ?? false;
}

/**
 * Kinds of effect the engine itself may ask for on any ticket (assignment and watcher notices, SLA timers and
 * escalations, cancelled timers), whatever the flow.
 */
export const ENGINE_EFFECT_KINDS: readonly EffectKind[] = ['notify', 'schedule', 'cancel-schedule'];

/**
 * Every kind of effect a flow may ask the server for, each with the first node that may ask for it (absent for the
 * engine's own). The server checks each has a handler before it publishes, and when it starts.
 */
export function effectKindsOf(
  flow: { nodes?: readonly FlowNode[] } | undefined,
): { kind: EffectKind; nodeId?: string }[] {
  const found = new Map<EffectKind, string | undefined>(ENGINE_EFFECT_KINDS.map((kind) => [kind, undefined]));
  for (const node of flow?.nodes ?? []) {
    const module = nodeKindOf(node.type);
    for (const kind of module?.effects?.(node.data ?? {}) ?? [])
      if (!found.has(kind)) found.set(kind, node.id);
  }
  return [...found].map(([kind, nodeId]) => (nodeId === undefined ? { kind } : { kind, nodeId }));
}
