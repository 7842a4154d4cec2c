/** Designer texts of the form area (Simplified Chinese, the reference for `form.en.ts`). */
export const formZh = {
  title: '表单',
} as const;
