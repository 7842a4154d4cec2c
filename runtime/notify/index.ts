/** Notification templates: Handlebars in an isolated environment with a fixed helper allow-list. */
export {
  MAX_TEMPLATE_BYTES,
  notificationTemplateSchema,
  notificationTemplatesSchema,
  type NotificationTemplate,
} from './notification-template.js';
export {
  ALLOWED_HELPERS,
  checkNotificationTemplate,
  renderNotification,
  type RenderBudget,
  type RenderOptions,
  type RenderedNotification,
} from './render-notification.js';
export { notifyMessages, type NotifyMessageCode } from './notify-messages.js';
