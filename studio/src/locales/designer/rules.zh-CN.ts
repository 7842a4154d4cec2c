/** Designer texts of the rules area (Simplified Chinese, the reference for `rules.en.ts`). */
export const rulesZh = {
  title: '规则',
} as const;
