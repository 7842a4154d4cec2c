/**
 * The designer's texts in Simplified Chinese, one file per area (`<area>.zh-CN.ts`, its English twin beside it,
 * typed by it). Add an area here and in `en.ts`.
 */
import { flowZh } from './flow.zh-CN';
import { formZh } from './form.zh-CN';
import { notificationsZh } from './notifications.zh-CN';
import { routingZh } from './routing.zh-CN';
import { rulesZh } from './rules.zh-CN';
import { settingsZh } from './settings.zh-CN';
import { shellZh } from './shell.zh-CN';
import { slaZh } from './sla.zh-CN';
import { versionsZh } from './versions.zh-CN';

export const designerZh = {
  shell: shellZh,
  form: formZh,
  rules: rulesZh,
  routing: routingZh,
  sla: slaZh,
  notifications: notificationsZh,
  settings: settingsZh,
  flow: flowZh,
  versions: versionsZh,
} as const;
