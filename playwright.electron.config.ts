// Playwright project for the real Electron app (test/e2e-electron). Build first (npm run build); on a
// machine without a display run it under `xvfb-run -a`. Without the Electron binary the test skips.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'test/e2e-electron',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results-electron',
  use: { trace: 'retain-on-failure' },
});
