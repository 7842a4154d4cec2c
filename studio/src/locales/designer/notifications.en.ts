import type { DeepString } from '../zh-CN';
import type { notificationsZh } from './notifications.zh-CN';

/** Designer texts of the notifications area (English). */
export const notificationsEn: DeepString<typeof notificationsZh> = {
  title: 'Notifications',
  templates: 'Templates',
  empty: 'No templates of this type yet: events use the built-in texts.',
  replacesBuiltIn: 'Replaces the built-in text',
  custom: 'Sent by a notify step of the flow',
  remove: 'Remove the template {key}',
  removeConfirm: 'Remove the template “{key}”?',
  addPlaceholder: 'Pick an event or type a new key',
  add: 'Add template',
  addHint:
    'Pick an event to rewrite its built-in text; any other key can be sent by a notify step of the flow.',
  event: 'event',
  keyInvalid:
    'A key has letters, digits, underscores and dashes, starts with a letter or digit (64 at most).',
  keyTaken: 'There is a template “{key}” already.',
  language: 'Language being edited',
  subject: 'Subject',
  body: 'Body (HTML)',
  subjectIn: 'Subject ({language})',
  bodyIn: 'Body ({language})',
  otherLanguageProblem: 'The other language ({language}) has a problem too; switch to it to see.',
  variables: 'Variables and helpers',
  variablesHint: 'Click a variable to insert it where the cursor is in the subject or the body.',
  helpers: 'Only these helpers can be used (any other helper, and partials, are refused):',
  safety: 'Every value in the body is escaped; {triple} and {ampersand} (unescaped output) are not allowed.',
  pick: 'Pick or add a template to edit it.',
  preview: 'Preview',
  previewHint: 'Rendered on the sample ticket by the same renderer the server sends with.',
  previewBody: 'Preview of the notification body',
  fallback: 'The template has an error: the default text below would be sent instead.',
};
