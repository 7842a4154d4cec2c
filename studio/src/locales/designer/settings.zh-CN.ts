/** Designer texts of the settings area (Simplified Chinese, the reference for `settings.en.ts`). */
export const settingsZh = {
  title: '设置',
} as const;
