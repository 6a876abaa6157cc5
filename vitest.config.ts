import { defineConfig } from 'vitest/config';

// One test run for the whole repository: action unit/e2e tests live beside each action,
// tests of the infrastructure folders (terraform, ansible, kubernetes, workflows) under tests/.
export default defineConfig({
  test: {
    include: ['actions/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './tests/repo/closing-line-reporter.ts'],
  },
});
