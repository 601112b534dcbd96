import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // System suites (test/helpers/suites.ts): one closing line per suite whose requirement is missing.
    globalSetup: ['test/setup/suites-summary.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: run test files one after another so timing-sensitive training tests don't starve.
    poolOptions: { forks: { singleFork: false, maxForks: 2, minForks: 1 } },
  },
});
