// Test runner configuration: suites share one process pool; PostgreSQL suites run only with TEST_DATABASE_URL.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
  },
  esbuild: { jsx: 'automatic', jsxImportSource: 'hono/jsx' },
});
