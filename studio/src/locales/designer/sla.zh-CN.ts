/** Designer texts of the sla area (Simplified Chinese, the reference for `sla.en.ts`). */
export const slaZh = {
  title: 'SLA',
} as const;
