import { defineConfig } from 'vite';
import vue from '@vitejs/plugin-vue';

// The config is loaded from the repository root (`vite build --config studio/vite.config.ts`), so the root is
// pinned to this folder rather than taken from the working directory.
const studioRoot = decodeURIComponent(new URL('.', import.meta.url).pathname);
const apiServer = 'http://127.0.0.1:3000';

export default defineConfig({
  root: studioRoot,
  base: '/',
  plugins: [vue()],
  define: {
    // vue-i18n: Composition API only, no devtools hooks in production.
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
  server: {
    proxy: {
      '/api': { target: apiServer, changeOrigin: false },
      '/health': { target: apiServer, changeOrigin: false },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 700,
    rolldownOptions: {
      output: {
        // Keep the framework and the UI kit in their own long-lived chunks so a change to one page does not
        // invalidate them in the browser cache.
        codeSplitting: {
          groups: [
            {
              name: 'element-plus',
              test: /node_modules[\\/](element-plus|@element-plus|@floating-ui|async-validator|dayjs|lodash)/,
            },
            { name: 'vue', test: /node_modules[\\/](@vue|vue|vue-router|vue-i18n|@intlify|pinia)[\\/]/ },
          ],
        },
      },
    },
  },
});
