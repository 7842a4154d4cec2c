import type { DeepString } from '../zh-CN';
import type { versionsZh } from './versions.zh-CN';

/** Designer texts of the versions area (English). */
export const versionsEn: DeepString<typeof versionsZh> = {
  title: 'Versions',
};
