import type { DeepString } from '../zh-CN';
import type { flowZh } from './flow.zh-CN';

/** Designer texts of the flow area (English). */
export const flowEn: DeepString<typeof flowZh> = {
  title: 'Flow',
};
