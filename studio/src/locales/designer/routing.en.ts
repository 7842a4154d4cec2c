import type { DeepString } from '../zh-CN';
import type { routingZh } from './routing.zh-CN';

/** Designer texts of the routing area (English). */
export const routingEn: DeepString<typeof routingZh> = {
  title: 'Routing & priority',
};
