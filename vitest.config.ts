import { defineConfig } from 'vitest/config';

// Integration tests create namespaces and push real traffic on a 2-core
// machine: files run one at a time, in child processes (the native addon and
// setns() stay out of Vitest's own threads).
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/global-setup.ts'],
    reporters: ['default', './test/harness/summary-reporter.ts'],
  },
});
