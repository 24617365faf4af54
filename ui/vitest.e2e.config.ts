// Browser end-to-end tests (`npm run test:e2e`): the real rangedesk-server and Debian's chromium,
// kept apart from the unit tests (`npm test`, jsdom). One file at a time: each starts its own
// server and browser, and CI machines have two cores.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    environment: 'node',
    include: ['e2e/**/*.e2e.ts'],
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    reporters: ['default'],
    // What the page and the API show follows a delivery within ~0.1 s, but a loaded 2-core CI
    // machine, or the demo's poll (every 10 s) healing a lost webhook, can take longer.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
