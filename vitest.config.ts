import { defineConfig } from 'vitest/config';

// Unit tests live beside their source; integration and end-to-end tests in test/.
// Integration tests share one Postgres and Redis: each test file gets its own database cloned
// from a migrated template (test/support/db.ts) and its own queue prefix.
export default defineConfig({
  test: {
    include: ['libs/**/*.test.ts', 'apps/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
