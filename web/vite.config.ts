import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const api = process.env.KEMAI_API_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  // esbuild's own JSX transform: no React plugin (and no Babel) needed for a production build.
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // ECharts core alone is ~400 kB minified; it is its own chunk, loaded only by pages with charts.
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      onwarn(warning, warn) {
        // React libraries mark their modules "use client" for server components; meaningless in an SPA.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        // Long-lived vendor chunks: a console release that only changes pages keeps them cached.
        manualChunks(id) {
          if (/node_modules\/(echarts|zrender)\//.test(id)) return 'echarts';
          if (/node_modules\/(react|react-dom|scheduler|react-router)\//.test(id)) return 'react';
          return undefined;
        },
      },
    },
  },
  // `npx vite web` during development: the API runs on its own port behind this proxy.
  server: { proxy: { '/api': api, '/docs': api } },
});
