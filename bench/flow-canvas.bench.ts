/**
 * Flow canvas bench (`npm run bench studio`): builds `studio/bench/flow-canvas.html` with Vite, serves it, and in headless
 * Debian Chromium measures for a 50-node / 65-edge and a 200-node / 260-edge flow without positions
 *   - open: dagre layout + drawing every node and edge + zoom to fit, until the picture is painted (bar: ≤ 1 s);
 *   - drag: frames per second while a node is dragged across the canvas (bar: ≥ 50 fps), with the slowest frame.
 * With `ORDO_BENCH_FLOW_CPU=1` each measured open is traced too and its page's main-thread CPU time reported (the
 * thread time of its tasks): on a machine shared with other jobs the wall time mostly measures the others, the
 * CPU time far less so — compare code before / after with it.
 */
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import { chromium } from 'playwright-core';
import { build } from 'vite';

const CHROMIUM = '/usr/bin/chromium';
/** The bench page and its entry: `studio/bench/flow-canvas.html`, `flow-canvas.page.ts`. */
const here = fileURLToPath(new URL('../studio/bench/', import.meta.url));

export interface FlowCanvasFigures {
  nodes: number;
  edges: number;
  openMs: number[];
  /** Main-thread CPU of each measured open (`ORDO_BENCH_FLOW_CPU=1`). */
  openCpuMs?: number[];
  dragFps: number;
  slowestFrameMs: number;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
};

function serve(root: string): Promise<{ url: string; close: () => Promise<void> }> {
  const server = http.createServer((request, response) => {
    const pathname = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = path.join(root, pathname === '/' ? 'flow-canvas.html' : pathname);
    if (!file.startsWith(root) || !existsSync(file)) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      resolve({
        url: `http://127.0.0.1:${port}/`,
        close: () => new Promise((done) => server.close(() => done())),
      });
    });
  });
}

const TRACE_CPU = process.env.ORDO_BENCH_FLOW_CPU === '1';

/** The CPU time of the page's main thread in a trace: the renderer main thread whose tasks took the most. */
function mainThreadCpuMs(trace: Buffer): number {
  const events = (
    JSON.parse(trace.toString()) as {
      traceEvents: {
        name: string;
        ph: string;
        pid: number;
        tid: number;
        tdur?: number;
        args?: { name?: string };
      }[];
    }
  ).traceEvents;
  let most = 0;
  for (const thread of events.filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain')) {
    let micros = 0;
    for (const e of events)
      if (e.pid === thread.pid && e.tid === thread.tid && e.name === 'RunTask' && e.ph === 'X')
        micros += e.tdur ?? 0;
    most = Math.max(most, micros);
  }
  return most / 1000;
}

export async function benchFlowCanvas(
  sizes: [number, number][] = [
    [50, 65],
    [200, 260],
  ],
): Promise<FlowCanvasFigures[]> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: bash scripts/ensure-chromium.sh`);
  const outDir = await mkdtemp(path.join(os.tmpdir(), 'ordo-flow-bench-'));
  try {
    await build({
      configFile: false,
      root: here,
      base: './',
      logLevel: 'warn',
      plugins: [vue()],
      define: {
        __VUE_I18N_FULL_INSTALL__: true,
        __VUE_I18N_LEGACY_API__: false,
        __INTLIFY_PROD_DEVTOOLS__: false,
      },
      build: { outDir, emptyOutDir: true, rolldownOptions: { input: path.join(here, 'flow-canvas.html') } },
    });
    const server = await serve(outDir);
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--no-first-run',
        '--disable-background-networking',
      ],
    });
    const figures: FlowCanvasFigures[] = [];
    try {
      for (const [nodes, edges] of sizes) {
        const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
        await page.goto(server.url);
        await page.waitForFunction('"flowBench" in window');
        const open = (n: number, e: number) => page.evaluate<number>(`window.flowBench.open(${n}, ${e})`);
        const openMs: number[] = [];
        const openCpuMs: number[] = [];
        // First open warms the page up (code, fonts); then three measured opens, each of a fresh canvas.
        await open(nodes, edges);
        for (let run = 0; run < 3; run += 1) {
          await open(1, 0);
          if (TRACE_CPU)
            await browser.startTracing(page, {
              categories: ['toplevel', 'disabled-by-default-devtools.timeline'],
            });
          openMs.push(await open(nodes, edges));
          if (TRACE_CPU) openCpuMs.push(mainThreadCpuMs(await browser.stopTracing()));
        }
        // Drag the node nearest the middle of the screen around for two seconds and count painted frames.
        const target = await page.evaluate<{ x: number; y: number } | null>(
          'window.flowBench.nodeNearCenter()',
        );
        if (!target) throw new Error('no node on screen to drag');
        await page.mouse.move(target.x, target.y);
        await page.mouse.down();
        await page.evaluate('window.flowBench.startFrames()');
        const started = Date.now();
        let step = 0;
        while (Date.now() - started < 2_000) {
          step += 1;
          const angle = step / 10;
          await page.mouse.move(target.x + 150 * Math.sin(angle), target.y + 100 * Math.cos(angle) - 100);
        }
        const frames = await page.evaluate<number[]>('window.flowBench.stopFrames()');
        await page.mouse.up();
        const span = (frames[frames.length - 1]! - frames[0]!) / 1000;
        let slowest = 0;
        for (let i = 1; i < frames.length; i += 1) slowest = Math.max(slowest, frames[i]! - frames[i - 1]!);
        figures.push({
          nodes,
          edges,
          openMs,
          ...(TRACE_CPU ? { openCpuMs } : {}),
          dragFps: (frames.length - 1) / span,
          slowestFrameMs: slowest,
        });
        await page.close();
      }
    } finally {
      await browser.close();
      await server.close();
    }
    return figures;
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
}

export function printFlowCanvas(figures: FlowCanvasFigures[]): void {
  console.log('\n## Flow canvas (headless Chromium): open = layout + draw + fit; drag = frames per second');
  for (const figure of figures) {
    const open = figure.openMs.map((ms) => Math.round(ms)).join(' / ');
    const cpu = figure.openCpuMs
      ? ` (main-thread CPU ${figure.openCpuMs.map((ms) => Math.round(ms)).join(' / ')} ms)`
      : '';
    console.log(
      `${`${figure.nodes} nodes, ${figure.edges} edges`.padEnd(24)}  open ${open} ms${cpu} (bar ≤ 1000)  drag ${figure.dragFps.toFixed(1)} fps (bar ≥ 50), slowest frame ${Math.round(figure.slowestFrameMs)} ms`,
    );
  }
}

// Run directly: npx tsx bench/flow-canvas.bench.ts
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  printFlowCanvas(await benchFlowCanvas());
}
