import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    reporters: ['default', './test/support/plain-summary-reporter.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          globalSetup: ['test/support/built-cli.ts'],
          include: ['test/**/*.test.ts'],
          exclude: ['test/integration/**', 'test/infra/**'],
        },
      },
      {
        test: {
          name: 'integration',
          globalSetup: ['test/support/built-cli.ts'],
          include: ['test/integration/**/*.int.test.ts'],
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'infra',
          include: ['test/infra/**/*.test.ts'],
          // Importing aws-cdk-lib and synthesizing takes seconds on a 2-core machine.
          testTimeout: 180_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
