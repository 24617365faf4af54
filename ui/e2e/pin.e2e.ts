// The board behind a PIN, in chromium: without it (or with a wrong one) nothing is shown; opened
// once with `/?pin=…`, the page, its assets, the live stream (EventSource cannot send headers)
// and staff actions all work on the cookie that answer set.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { checkBuilt, launchChromium, Server } from './harness.mjs';
import { openHelp, raiseHelp } from './flows';

const PIN = 'e2e-pin-4321';
let server: Server;
let browser: Browser;

beforeAll(async () => {
  checkBuilt();
  server = await Server.start({ demo: false, pin: PIN });
  expect((await server.hook({ event: 'sessionCreated', lane_id: 'lane-pin', session_id: 's-pin' })).status).toBe(200);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test('without the PIN, or with a wrong one, the board is refused', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    for (const url of ['/', '/?pin=wrong', '/api/board']) {
      const r = await page.goto(server.boardUrl + url);
      expect([401, 403], url).toContain(r?.status());
      expect(await page.locator('[data-lane-id]').count()).toBe(0);
    }
    expect(await context.cookies()).toEqual([]);
  } finally {
    await context.close();
  }
});

test('opened once with the PIN, the board lives on its cookie: assets, stream and actions', async () => {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
    await page.goto(`${server.boardUrl}/?pin=${PIN}`);
    await page.locator('[data-lane-id="lane-pin"]').waitFor();
    expect(page.url(), 'the PIN does not stay in the address bar or the history').toBe(`${server.boardUrl}/`);
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({ name: 'rangedesk_session', httpOnly: true, sameSite: 'Strict' });
    expect(cookie.value, 'the cookie holds a session token, never the PIN').not.toContain(PIN);
    expect(cookie.expires, 'a Max-Age: the session ends').toBeGreaterThan(Date.now() / 1000);

    // The stream carries the cookie: a new help call shows up without a reload.
    const id = await raiseHelp(server, { session_id: 's-pin', lane_id: 'lane-pin' });
    const item = page.locator(`li[data-help-id="${id}"]`);
    await item.waitFor();
    // So do the actions.
    await item.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(async () => (await openHelp(server, id))?.acknowledged_at ?? null).not.toBeNull();
    await item.getByRole('button', { name: 'Resolve' }).click();
    await item.waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  } finally {
    await context.close();
  }
});
