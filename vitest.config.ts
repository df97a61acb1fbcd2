import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'tests/**/*.test.ts'],
    globalSetup: ['tests/support/global-setup.ts'],
    // CLI tests start several processes each; on a loaded two-core machine one start-up can take 15 s.
    testTimeout: 180_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // Two cores: two test files at a time keeps PGlite start-up from starving itself.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
