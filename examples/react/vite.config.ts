import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The React example: `npx vite examples/react` serves it; `npm run
 * test:browser` builds it and takes a screenshot. It imports the library by
 * its package name, as an app does; here the names resolve to the source.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  resolve: {
    alias: [
      {
        find: 'xstate-background-cache/react',
        replacement: fileURLToPath(new URL('../../src/react/index.ts', import.meta.url)),
      },
      { find: 'xstate-background-cache', replacement: fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
    ],
  },
  esbuild: { jsx: 'automatic' },
  build: { outDir: 'dist', emptyOutDir: true },
  logLevel: 'warn',
});
