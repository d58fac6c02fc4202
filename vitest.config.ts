import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // End-to-end files start real processes; two cores do not take many at once.
    maxWorkers: 2,
    fileParallelism: true,
  },
});
