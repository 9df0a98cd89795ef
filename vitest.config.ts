import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'e2e/**/*.test.ts', 'generators/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/templates/**'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Two cores: keep the process pool small so gRPC timing-sensitive tests do not starve.
    maxWorkers: 2,
  },
});
