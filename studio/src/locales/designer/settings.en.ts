import type { DeepString } from '../zh-CN';
import type { settingsZh } from './settings.zh-CN';

/** Designer texts of the settings area (English). */
export const settingsEn: DeepString<typeof settingsZh> = {
  title: 'Settings',
};
