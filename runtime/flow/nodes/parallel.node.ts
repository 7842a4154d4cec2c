import type { LocalizedText } from '../../common/types.js';
import type { NodeKindModule } from '../types.js';
import { commonNodeProperties, decided } from './node-kit.js';

export interface ParallelConfig {
  name?: LocalizedText;
  description?: LocalizedText;
}

/**
 * One kind for both roles, decided by the graph: with several incoming edges the node joins (it waits for a token
 * on every incoming edge), with several outgoing edges it splits (one token per edge). A node may do both.
 */
export const parallelNode: NodeKindModule<ParallelConfig> = {
  kind: 'parallel',
  title: { 'zh-CN': '并行', en: 'Parallel' },
  description: {
    'zh-CN': '多条出线：同时进入每条路径；多条入线：等待所有路径都到达后再继续。',
    en: 'Several outgoing connections: run every path at once. Several incoming: wait until every path has arrived.',
  },
  group: 'gateway',
  waits: () => false,
  configSchema: {
    type: 'object',
    title: 'Parallel',
    properties: { ...commonNodeProperties },
    additionalProperties: false,
  },
  outcomes: () => [],
  execute: ({ incoming, tokensHere, viaEdgeId }) => {
    if (incoming.length <= 1) return decided({ next: { kind: 'leave-all' } });
    const arrived = new Set<string | null>([viaEdgeId ?? null]);
    for (const token of tokensHere) {
      if (token.waitingFor?.kind === 'join') arrived.add(token.waitingFor.edgeId);
    }
    const complete = incoming.every((edge) => arrived.has(edge.id));
    return decided({ next: { kind: 'join', complete } });
  },
};
