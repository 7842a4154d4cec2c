/**
 * What can be drawn over a flow on the canvas besides the flow itself: where a simulated ticket went, how many
 * open tickets wait at each node, what changed between two versions, where one ticket is now. The canvas
 * (`FlowCanvas.vue`) takes it as a prop; simulate, history / diff, the live overlay and the ticket page fill it.
 */
export type ChangeKind = 'added' | 'removed' | 'changed';

export interface FlowOverlay {
  /** A path taken (simulated sample or a ticket's history), in order. */
  path?: {
    nodeIds: string[];
    edgeIds: string[];
    /** Per node: the decision taken there (gateway branch, approval result, outcome), shown as a badge. */
    decisions?: Record<string, string>;
  };
  /** Open tickets waiting at each node (live overlay), clickable to the matching ticket list. */
  counts?: Record<string, number>;
  /** Nodes and edges (by id) added / removed / changed against another version. */
  changes?: Record<string, ChangeKind>;
  /** Nodes a ticket is at now. */
  current?: string[];
}
