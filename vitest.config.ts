// Test runner configuration: PostgreSQL suites run only when TEST_DATABASE_URL is set (see test/support/harness.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'hono/jsx' } },
});
