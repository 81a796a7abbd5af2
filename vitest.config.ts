import { defineConfig } from 'vitest/config';

const services = { globalSetup: ['scripts/test/global-setup.ts'] };

export default defineConfig({
  test: {
    projects: [
      { test: { name: 'unit', include: ['{apps,packages,scripts}/**/*.unit.spec.ts'], exclude: ['**/node_modules/**'] } },
      {
        test: {
          name: 'int',
          include: ['{apps,packages,scripts}/**/*.int.spec.ts'],
          exclude: ['**/node_modules/**'],
          ...services,
          testTimeout: 60_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'e2e',
          include: ['{apps,scripts}/**/*.e2e.spec.ts'],
          exclude: ['**/node_modules/**'],
          globalSetup: [...services.globalSetup, 'scripts/test/build-web.ts'],
          testTimeout: 90_000,
          hookTimeout: 120_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
