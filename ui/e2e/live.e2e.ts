// The board stays live in a browser: the "connection lost" banner never shows while the server is
// up (it was once seen in headless chromium), and when the server restarts the page shows the
// banner while it is gone, then resyncs by itself, without a reload.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { checkBuilt, launchChromium, openBoard, Server, sleep, until } from './harness.mjs';
import { raiseHelp, type Session } from './flows';

let server: Server;
let browser: Browser;

beforeAll(async () => {
  checkBuilt();
  // A short approval window: a graceful stop waits for held purchases, and the demo holds some.
  server = await Server.start({ demo: true, approvalWindow: 3 });
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

const LOST = 'Connection to rangedesk lost';

/**
 * Records, in the page, every time the lost-connection banner appears and every EventSource
 * open and error, from before the app's own script runs.
 */
async function watchFeed(page: Page) {
  await page.addInitScript((lost: string) => {
    const w = window as unknown as { __feed: { opens: number; errors: number; banners: number } };
    w.__feed = { opens: 0, errors: 0, banners: 0 };
    const Native = window.EventSource;
    window.EventSource = class extends Native {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        this.addEventListener('open', () => w.__feed.opens++);
        this.addEventListener('error', () => w.__feed.errors++);
      }
    };
    let shown = false;
    new MutationObserver(() => {
      const now = document.body?.textContent?.includes(lost) ?? false;
      if (now && !shown) w.__feed.banners++;
      shown = now;
    }).observe(document, { subtree: true, childList: true, characterData: true });
  }, LOST);
}

const feed = (page: Page) =>
  page.evaluate(() => (window as unknown as { __feed: { opens: number; errors: number; banners: number } }).__feed);

test('no "connection lost" banner while the server is up, through several keep-alive periods', async () => {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  try {
    const page = await context.newPage();
    await watchFeed(page);
    await page.goto(server.boardUrl + '/');
    await page.locator('[data-lane-id]').first().waitFor();
    // The demo changes the board several times a second; the stream's keep-alive is every 15 s and
    // the server drops connections silent for its 10 s header timeout: outlast all of them.
    await sleep(35_000);
    const f = await feed(page);
    expect(f, 'one stream, never dropped, no banner').toEqual({ opens: 1, errors: 0, banners: 0 });
    await expect(page.getByText(LOST).count()).resolves.toBe(0);
  } finally {
    await context.close();
  }
});

test('after the server restarts the page resyncs without a reload, and a quick restart raises no banner', async () => {
  const { page, context, problems } = await openBoard(browser, server, { before: watchFeed });
  try {
    // A marker a reload would wipe.
    await page.evaluate(() => ((window as unknown as { __notReloaded: boolean }).__notReloaded = true));
    const before = await page.evaluate(() => performance.getEntriesByType('navigation').length);

    const down = Date.now();
    await server.restart();
    // A stop ends the stream at once rather than holding the stop for its drain timeout.
    expect(Date.now() - down, 'stop and start again').toBeLessThan(10_000);
    await page.getByText(LOST).waitFor({ state: 'detached', timeout: 20_000 });

    // Something new after the restart reaches the page by the stream alone: a help call on one
    // of the sessions running now (the demo has every lane busy by then).
    const s = await until('a running session', async () => ((await server.api('/api/sessions')) as Session[])[0]);
    const id = await raiseHelp(server, s);
    await page.locator(`li[data-help-id="${id}"]`).waitFor({ timeout: 15_000 });
    await expect.poll(() => page.locator(`[data-lane-id="${s.lane_id}"]`).getAttribute('class')).toContain('help-raised');
    expect(await page.evaluate(() => (window as unknown as { __notReloaded?: boolean }).__notReloaded)).toBe(true);
    expect(await page.evaluate(() => performance.getEntriesByType('navigation').length)).toBe(before);
    // Back within the banner's grace: the stream reopened, no banner ever showed.
    const f = await feed(page);
    expect(f.opens, 'the stream reopened').toBeGreaterThanOrEqual(2);
    expect(f.banners, 'a restart under a second raises no banner').toBe(0);
    // The browser logs the refused reconnects while the server is down; nothing else may fail.
    expect(problems.filter((p) => !p.includes('/api/stream') && !p.includes('ERR_CONNECTION_REFUSED'))).toEqual([]);
  } finally {
    await context.close();
  }
});

test('the banner shows while the server is gone for longer than a routine reconnect', async () => {
  const { page, context } = await openBoard(browser, server);
  try {
    const stopped = Date.now();
    await server.stop({ keep: true });
    await page.getByText(LOST).waitFor({ timeout: 15_000 });
    // Not before the 3 s grace a routine reconnect gets.
    expect(Date.now() - stopped).toBeGreaterThanOrEqual(2_500);
    await server.launch();
    await page.getByText(LOST).waitFor({ state: 'detached', timeout: 20_000 });
  } finally {
    await context.close();
  }
});
