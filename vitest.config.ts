import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: ['test/e2e/**', 'test/e2e-electron/**', 'node_modules/**'],
    environment: 'node',
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Agents started by tests (host 'agent') keep to the folder watcher: the fanotify exec guard would hold
    // every exec on this shared machine. Tests of the fanotify sensor ask for it on their own tmpfs.
    env: { MAMORI_FILE_SENSOR: 'chokidar', MAMORI_NETWORK_RESPONSE: 'off', MAMORI_AUTO_RESPONSE: 'off' },
  },
});
