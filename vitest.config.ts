import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    // `npm test` runs with --coverage: every line and branch of src/ must be
    // reached. `npx vitest run --coverage --coverage.reporter=text` lists what is not.
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts'],
      reporter: ['text-summary'],
      thresholds: { lines: 100, branches: 100 },
    },
  },
});
