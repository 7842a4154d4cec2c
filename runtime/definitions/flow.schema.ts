/**
 * Shape of a flow graph as @vue-flow/core stores it (`toObject()`), plus Ordo's node `data` and edge `data`.
 * What a node's `data` may hold depends on its kind and is checked against the kind's config schema from
 * `runtime/flow/registry.ts`; this schema only fixes the graph's shape.
 */
import { registerPatternHint } from './messages.js';

/**
 * Node ids become keys of the ticket state (`steps.<id>`) and segments of rule paths (`step.<id>.result`), so, like
 * form field keys, they may not contain `.` or start with `$`; spaces would break the rule paths as well.
 */
export const NODE_ID_PATTERN = '^[^.$\\s][^.\\s]*$';
registerPatternHint(NODE_ID_PATTERN, {
  'zh-CN': '不能包含“.”或空格，也不能以“$”开头',
  en: 'it must not contain “.” or spaces, nor start with “$”',
});

/** What the canvas keeps about a node or an edge for drawing it; never read by the runtime. */
const canvasOnly = true;
const nodeCanvasProperties = Object.fromEntries(
  [
    'label',
    'width',
    'height',
    'style',
    'class',
    'hidden',
    'selected',
    'dragging',
    'draggable',
    'selectable',
    'connectable',
    'deletable',
    'focusable',
    'zIndex',
    'parentNode',
    'extent',
    'expandParent',
    'dimensions',
    'computedPosition',
    'handleBounds',
    'initialized',
    'resizing',
    'isParent',
    'ariaLabel',
    'sourcePosition',
    'targetPosition',
    'events',
  ].map((name) => [name, canvasOnly]),
);
const edgeCanvasProperties = Object.fromEntries(
  [
    'type',
    'label',
    'animated',
    'style',
    'class',
    'hidden',
    'selected',
    'updatable',
    'deletable',
    'selectable',
    'focusable',
    'zIndex',
    'markerStart',
    'markerEnd',
    'interactionWidth',
    'labelStyle',
    'labelShowBg',
    'labelBgStyle',
    'labelBgPadding',
    'labelBgBorderRadius',
    'sourceX',
    'sourceY',
    'targetX',
    'targetY',
    'ariaLabel',
    'events',
  ].map((name) => [name, canvasOnly]),
);

const handleSchema = { type: ['string', 'null'], maxLength: 100 };

export const flowNodeSchema = {
  type: 'object',
  required: ['id', 'type', 'position'],
  additionalProperties: false,
  properties: {
    ...nodeCanvasProperties,
    id: { type: 'string', minLength: 1, maxLength: 100, pattern: NODE_ID_PATTERN },
    type: { type: 'string', minLength: 1, maxLength: 50 },
    position: {
      type: 'object',
      required: ['x', 'y'],
      additionalProperties: false,
      properties: { x: { type: 'number' }, y: { type: 'number' } },
    },
    data: { type: 'object' },
  },
};

export const flowEdgeSchema = {
  type: 'object',
  required: ['id', 'source', 'target'],
  additionalProperties: false,
  properties: {
    ...edgeCanvasProperties,
    id: { type: 'string', minLength: 1, maxLength: 200 },
    source: { type: 'string', minLength: 1 },
    target: { type: 'string', minLength: 1 },
    sourceHandle: handleSchema,
    targetHandle: handleSchema,
    /** Checked against the exclusive gateway's edge schema (`edgeDataSchema` of the flow registry). */
    data: { type: 'object' },
  },
};

export const flowSchema = {
  type: 'object',
  required: ['nodes', 'edges'],
  additionalProperties: false,
  properties: {
    nodes: { type: 'array', maxItems: 500, items: flowNodeSchema },
    edges: { type: 'array', maxItems: 2000, items: flowEdgeSchema },
    /** Where the canvas was scrolled and zoomed. */
    viewport: {
      type: 'object',
      additionalProperties: false,
      properties: { x: { type: 'number' }, y: { type: 'number' }, zoom: { type: 'number' } },
    },
  },
};
