import type { DeepString } from '../zh-CN';
import type { rulesZh } from './rules.zh-CN';

/** Designer texts of the rules area (English). */
export const rulesEn: DeepString<typeof rulesZh> = {
  title: 'Rules',
};
