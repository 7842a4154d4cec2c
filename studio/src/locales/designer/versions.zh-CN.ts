/** Designer texts of the versions area (Simplified Chinese, the reference for `versions.en.ts`). */
export const versionsZh = {
  title: '版本',
} as const;
