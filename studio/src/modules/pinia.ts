import { createPinia } from 'pinia';

/** One store container for the app; stores are setup-style, one per file in `src/stores/`. */
export const piniaModule = createPinia();
