import type { LocalizedText } from '../../common/types.js';
import type { NodeKindModule } from '../types.js';
import { commonNodeProperties, decided } from './node-kit.js';

export interface StartConfig {
  name?: LocalizedText;
  description?: LocalizedText;
}

/** Where every ticket's token is born when the ticket is opened. */
export const startNode: NodeKindModule<StartConfig> = {
  kind: 'start',
  title: { 'zh-CN': '开始', en: 'Start' },
  description: {
    'zh-CN': '工单提交后流程从这里开始。',
    en: 'The flow begins here once the ticket is opened.',
  },
  group: 'event',
  waits: () => false,
  configSchema: {
    type: 'object',
    title: 'Start',
    properties: { ...commonNodeProperties },
    additionalProperties: false,
  },
  outcomes: () => [],
  execute: () => decided({ next: { kind: 'leave' } }),
};
