/**
 * The page the flow canvas bench drives (built by `flow-canvas.bench.ts`): the studio's own `FlowCanvas` with its
 * i18n and Element Plus modules, fed a generated flow without positions, so a run measures what an analyst
 * opening such a flow waits for — dagre layout, drawing every node and edge, zoom to fit.
 */
import { createApp, h, shallowRef } from 'vue';
import { i18nModule } from '../src/modules/i18n';
import { elementPlusModule } from '../src/modules/element-plus';
import FlowCanvas from '../src/designer/flow/FlowCanvas.vue';
import { applyPositions, type DraftFlow } from '../src/designer/flow/flow-model';
import { layoutFlow } from '../src/designer/flow/flow-layout';
import { initialNodeData } from '../src/designer/flow/node-kinds';

const KINDS = ['task', 'approval', 'notify', 'task', 'wait', 'action', 'confirm'];

/** `nodes` steps from start to end in a chain, plus forward connections until there are `edges`. */
export function generateFlow(nodes: number, edges: number): DraftFlow {
  const flow: DraftFlow = { nodes: [], edges: [] };
  for (let i = 0; i < nodes; i += 1) {
    const type = i === 0 ? 'start' : i === nodes - 1 ? 'end' : KINDS[i % KINDS.length]!;
    flow.nodes.push({ id: `n${i}`, type, data: initialNodeData(type) });
  }
  for (let i = 0; i < nodes - 1; i += 1)
    flow.edges.push({ id: `c${i}`, source: `n${i}`, target: `n${i + 1}` });
  for (let k = 0; flow.edges.length < edges; k += 1) {
    const source = 1 + ((k * 7) % (nodes - 6));
    flow.edges.push({ id: `x${k}`, source: `n${source}`, target: `n${source + 2 + (k % 4)}` });
  }
  return flow;
}

const flow = shallowRef<DraftFlow>({ nodes: [], edges: [] });
let onReady: (() => void) | null = null;

const app = createApp({
  render: () =>
    h(FlowCanvas, {
      key: flow.value.nodes.length,
      flow: flow.value,
      onReady: () => onReady?.(),
    }),
});
app.use(i18nModule).use(elementPlusModule).mount('#app');

declare global {
  interface Window {
    flowBench: {
      open(nodes: number, edges: number): Promise<number>;
      nodeNearCenter(): { x: number; y: number } | null;
      startFrames(): void;
      stopFrames(): number[];
    };
  }
}

let frames: number[] = [];
let counting = false;

window.flowBench = {
  /** Milliseconds from receiving the flow to the fitted picture painted. */
  open(nodes: number, edges: number): Promise<number> {
    return new Promise((resolve) => {
      const generated = generateFlow(nodes, edges);
      const started = performance.now();
      onReady = () => {
        requestAnimationFrame(() => resolve(performance.now() - started));
      };
      applyPositions(generated, layoutFlow(generated));
      flow.value = generated;
    });
  },
  /** A point on the node label nearest the middle of the window (where the drag starts). */
  nodeNearCenter() {
    const cx = window.innerWidth / 2;
    const cy = window.innerHeight / 2;
    let best: { x: number; y: number; d: number } | null = null;
    for (const element of document.querySelectorAll('.ordo-node__label')) {
      const box = element.getBoundingClientRect();
      const x = box.left + Math.min(10, box.width / 2);
      const y = box.top + box.height / 2;
      const d = (x - cx) ** 2 + (y - cy) ** 2;
      if (!best || d < best.d) best = { x, y, d };
    }
    return best ? { x: best.x, y: best.y } : null;
  },
  /** Record the time of every painted frame until `stopFrames`. */
  startFrames() {
    frames = [];
    counting = true;
    const tick = (time: number) => {
      frames.push(time);
      if (counting) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  },
  stopFrames() {
    counting = false;
    return frames;
  },
};
