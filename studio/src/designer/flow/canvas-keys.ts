import type { InjectionKey } from 'vue';

/** The canvas hands its nodes the "count clicked" callback without going through vue-flow's node props. */
export const COUNT_CLICK_KEY: InjectionKey<(nodeId: string) => void> = Symbol('flow-count-click');
