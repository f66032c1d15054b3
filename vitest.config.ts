import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    globalSetup: './test/global-setup.ts',
    setupFiles: ['./test/setup-worker.ts'],
    include: ['test/**/*.test.ts'],
    // One shared cluster; tests change cluster-wide settings (ALTER SYSTEM max_wal_size), so files run one at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
