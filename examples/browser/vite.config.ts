import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The browser page: `npx vite examples/browser` serves it, `npm run
 * test:browser` builds it and drives it in headless Chromium. The page imports
 * the library by its package name, as an app does; here the name resolves to
 * the source, so no build of the library is needed.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: {
    alias: { 'xstate-background-cache': fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
  },
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
});
