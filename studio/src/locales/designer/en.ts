/** The designer's texts in English, assembled like `zh-CN.ts`; each area file is typed by its Chinese twin. */
import { flowEn } from './flow.en';
import { formEn } from './form.en';
import { notificationsEn } from './notifications.en';
import { routingEn } from './routing.en';
import { rulesEn } from './rules.en';
import { settingsEn } from './settings.en';
import { shellEn } from './shell.en';
import { slaEn } from './sla.en';
import { versionsEn } from './versions.en';

export const designerEn = {
  shell: shellEn,
  form: formEn,
  rules: rulesEn,
  routing: routingEn,
  sla: slaEn,
  notifications: notificationsEn,
  settings: settingsEn,
  flow: flowEn,
  versions: versionsEn,
};
