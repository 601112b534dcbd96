import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: run test files one after another so timing-sensitive training tests don't starve.
    poolOptions: { forks: { singleFork: false, maxForks: 2, minForks: 1 } },
  },
});
