// End-to-end tests: the headless agent (node bin/mamori.js agent) driven through its web UI in
// Debian's Chromium. Run `npm run build` first. One worker: the tests start real agents.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: 'test/e2e',
  workers: 1,
  fullyParallel: false,
  retries: 0,
  reporter: 'list',
  // The CI machine has 2 cores: be generous.
  timeout: 120_000,
  expect: { timeout: 20_000 },
  // Not the default test-results/: the Electron suite (playwright.electron.config.ts) wipes that one.
  outputDir: 'test-results-e2e',
  use: {
    browserName: 'chromium',
    viewport: { width: 1280, height: 800 },
    locale: 'en-US',
    timezoneId: 'Asia/Tokyo',
    actionTimeout: 20_000,
    navigationTimeout: 30_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
        '--no-first-run', '--disable-sync', '--disable-quic',
      ],
    },
  },
});
