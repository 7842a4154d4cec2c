import type { DeepString } from '../zh-CN';
import type { slaZh } from './sla.zh-CN';

/** Designer texts of the sla area (English). */
export const slaEn: DeepString<typeof slaZh> = {
  title: 'SLA',
};
