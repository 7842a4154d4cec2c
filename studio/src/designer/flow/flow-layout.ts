/**
 * Automatic layout with @dagrejs/dagre: top to bottom, ranks by the edges, nodes of the canvas's fixed size.
 * Used for "Arrange" and for flows that arrive without positions (from the API or a template). Layout only ever
 * moves nodes; it never touches what a node does.
 */
import dagre from '@dagrejs/dagre';
import type { DraftFlow, Position } from './flow-model';
import { NODE_HEIGHT, NODE_WIDTH } from './node-kinds';

const isPosition = (value: unknown): value is Position =>
  typeof value === 'object' &&
  value !== null &&
  Number.isFinite((value as Position).x) &&
  Number.isFinite((value as Position).y);

/**
 * Nodes that have no place of their own: no position, or — when every node of a flow with more than one node sits
 * on the same spot, as flows written by hand or generated often do — all of them.
 */
export function nodesWithoutPosition(flow: DraftFlow): string[] {
  const missing = flow.nodes.filter((node) => !isPosition(node.position)).map((node) => node.id);
  const placed = flow.nodes.filter((node) => isPosition(node.position));
  if (placed.length > 1) {
    const first = placed[0]?.position as Position;
    if (
      placed.every(
        (node) => (node.position as Position).x === first.x && (node.position as Position).y === first.y,
      )
    )
      return flow.nodes.map((node) => node.id);
  }
  return missing;
}

/**
 * Positions dagre gives the flow's nodes (top-left corners, whole pixels). With `only`, just those nodes are
 * returned — the others keep their places — and the new ones are put below everything already placed when the
 * layout would otherwise overlap them.
 */
export function layoutFlow(flow: DraftFlow, only?: readonly string[]): Record<string, Position> {
  const graph = new dagre.graphlib.Graph({ multigraph: true });
  graph.setGraph({ rankdir: 'TB', nodesep: 48, ranksep: 64, edgesep: 16, marginx: 0, marginy: 0 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set<string>();
  for (const node of flow.nodes) {
    if (typeof node.id !== 'string' || ids.has(node.id)) continue;
    ids.add(node.id);
    graph.setNode(node.id, { width: NODE_WIDTH, height: NODE_HEIGHT });
  }
  for (const edge of flow.edges) {
    if (ids.has(edge.source) && ids.has(edge.target) && edge.source !== edge.target)
      graph.setEdge(edge.source, edge.target, {}, edge.id);
  }
  dagre.layout(graph);
  const wanted = only ? new Set(only) : ids;
  const positions: Record<string, Position> = {};
  for (const id of wanted) {
    const laid = graph.node(id) as { x: number; y: number } | undefined;
    if (!laid) continue;
    positions[id] = { x: Math.round(laid.x - NODE_WIDTH / 2), y: Math.round(laid.y - NODE_HEIGHT / 2) };
  }
  if (only && only.length < ids.size) {
    // Keep the nodes that have places where they are, and put the new ones below them.
    const placed = flow.nodes.filter((node) => !wanted.has(node.id) && isPosition(node.position));
    if (placed.length > 0) {
      const bottom = Math.max(...placed.map((node) => (node.position as Position).y)) + NODE_HEIGHT + 64;
      const left = Math.min(...placed.map((node) => (node.position as Position).x));
      const top = Math.min(...Object.values(positions).map((position) => position.y));
      const minX = Math.min(...Object.values(positions).map((position) => position.x));
      for (const position of Object.values(positions)) {
        position.y = position.y - top + bottom;
        position.x = position.x - minX + left;
      }
    }
  }
  return positions;
}
