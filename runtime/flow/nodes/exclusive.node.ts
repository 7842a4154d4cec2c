import type { LocalizedText } from '../../common/types.js';
import type { JsonSchema, NodeKindModule } from '../types.js';
import { commonNodeProperties, decided, localizedTextSchema } from './node-kit.js';

export interface ExclusiveConfig {
  name?: LocalizedText;
  description?: LocalizedText;
}

/** `data` of an edge leaving an exclusive gateway: a condition, or the default flag. */
export const conditionEdgeDataSchema: JsonSchema = {
  type: 'object',
  title: 'Path condition',
  properties: {
    when: {
      title: 'Take this path when',
      description:
        'A json-logic condition over the ticket (data.*, requester.*, priority, step.<id>.result ...). Conditions are tried in edge order.',
    },
    default: { type: 'boolean', title: 'Default path', description: 'Taken when no condition matches.' },
    label: localizedTextSchema,
  },
  additionalProperties: false,
};

/**
 * An exclusive gateway only says "take ONE outgoing edge"; the runner evaluates the edges' conditions in order
 * and picks the first that holds, or the default edge (as bpmn-elements does).
 */
export const exclusiveNode: NodeKindModule<ExclusiveConfig> = {
  kind: 'exclusive',
  title: { 'zh-CN': '条件分支', en: 'Decision' },
  description: {
    'zh-CN': '按连线上的条件依次判断，只走第一条满足的路径，都不满足时走默认路径。',
    en: 'Tries the conditions on its outgoing connections in order and takes the first that holds, else the default.',
  },
  group: 'gateway',
  waits: () => false,
  configSchema: {
    type: 'object',
    title: 'Decision',
    properties: { ...commonNodeProperties },
    additionalProperties: false,
  },
  outcomes: () => [],
  execute: () => decided({ next: { kind: 'choose-one' } }),
};
