import type { LocalizedText } from '../../common/types.js';
import type { NodeKindModule } from '../types.js';
import { commonNodeProperties, decided } from './node-kit.js';

export interface EndConfig {
  name?: LocalizedText;
  description?: LocalizedText;
  /** Final status category. */
  status?: 'closed' | 'cancelled';
  /** A status key of the type inside that category; the category's first status when absent. */
  statusKey?: string;
}

/**
 * The ticket reaches its final status. A ticket has one status, so reaching an end finishes every branch still
 * running (unlike BPMN, where an end event only consumes its own token).
 */
export const endNode: NodeKindModule<EndConfig> = {
  kind: 'end',
  title: { 'zh-CN': '结束', en: 'End' },
  description: {
    'zh-CN': '工单进入最终状态（已关闭或已取消）。',
    en: 'The ticket reaches its final status (closed or cancelled).',
  },
  group: 'event',
  waits: () => false,
  configSchema: {
    type: 'object',
    title: 'End',
    properties: {
      ...commonNodeProperties,
      status: {
        type: 'string',
        enum: ['closed', 'cancelled'],
        default: 'closed',
        title: 'Final status category',
      },
      statusKey: {
        type: 'string',
        minLength: 1,
        title: 'Final status',
        description: 'A status of this ticket type in that category; its first one when empty.',
        'x-ordo-ref': 'status',
      },
    },
    additionalProperties: false,
  },
  outcomes: () => [],
  execute: ({ config }) => {
    const category = config.status ?? 'closed';
    return decided({
      next:
        config.statusKey === undefined
          ? { kind: 'end', category }
          : { kind: 'end', category, statusKey: config.statusKey },
      step: { result: category },
    });
  },
};
