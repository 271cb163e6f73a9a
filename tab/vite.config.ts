import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

/**
 * Builds the tab into tab/dist, served by the server under /tab/. Two pages: the app, and auth-end,
 * where the browser sign-in lands. JSX goes through Vite's built-in esbuild transform (React 19's
 * automatic runtime), so no React plugin is needed.
 */
export default defineConfig({
  root,
  base: '/tab/',
  esbuild: { jsx: 'automatic' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    rollupOptions: {
      input: { main: `${root}index.html`, 'auth-end': `${root}auth-end.html` },
      onwarn(warning, warn) {
        // Fluent's packages mark modules "use client" for React Server Components; meaningless in a
        // client-only bundle, and Rollup would print one line per module.
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
      output: {
        // Charts (d3) change less often than the app; a separate chunk stays cached across releases.
        manualChunks: (id) => (id.includes('react-charts') || /[\\/]d3-/.test(id) ? 'charts' : undefined),
      },
    },
    // Fluent UI and the chart library are large by nature; one screen loads them once.
    chunkSizeWarningLimit: 1500,
  },
});
