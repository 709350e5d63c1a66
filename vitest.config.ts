import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Native addons (onnxruntime-node, better-sqlite3) are not safe in worker threads.
    pool: 'forks',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
