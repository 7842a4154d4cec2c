import type { DeepString } from '../zh-CN';
import type { notificationsZh } from './notifications.zh-CN';

/** Designer texts of the notifications area (English). */
export const notificationsEn: DeepString<typeof notificationsZh> = {
  title: 'Notifications',
};
