/** Designer texts of the notifications area (Simplified Chinese, the reference for `notifications.en.ts`). */
export const notificationsZh = {
  title: '通知',
} as const;
