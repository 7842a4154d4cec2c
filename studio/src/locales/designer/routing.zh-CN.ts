/** Designer texts of the routing area (Simplified Chinese, the reference for `routing.en.ts`). */
export const routingZh = {
  title: '路由与优先级',
} as const;
