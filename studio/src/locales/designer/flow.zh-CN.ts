/** Designer texts of the flow area (Simplified Chinese, the reference for `flow.en.ts`). */
export const flowZh = {
  title: '流程',
} as const;
