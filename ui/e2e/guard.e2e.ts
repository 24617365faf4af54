// The board's guard in a real browser. A LAN browser with the PIN (this machine's own network
// address, so the server sees a non-loopback client) watches the board, and acts only once the
// manager allows it; a page on another site cannot act through plain cross-site requests; a page
// reached through DNS rebinding (chromium told to resolve a name to 127.0.0.1) gets nothing.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser } from 'playwright-core';
import { createServer, type Server as HttpServer } from 'node:http';
import { checkBuilt, lanAddress, launchChromium, Server } from './harness.mjs';
import { openHelp, raiseHelp } from './flows';

const PIN = 'lan-pin-6789';
let server: Server;
let browser: Browser;

beforeAll(async () => {
  checkBuilt();
  server = await Server.start({ demo: false, pin: PIN, boardHost: '0.0.0.0' });
  expect((await server.hook({ event: 'sessionCreated', lane_id: 'lane-lan', session_id: 's-lan' })).status).toBe(200);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test('a LAN browser with the PIN watches the board, and acts once the manager allows it', async () => {
  expect(lanAddress(), 'this machine needs a network address besides loopback').not.toBeNull();
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (e) => problems.push(e.message));
    await page.goto(`${server.lanUrl}/?pin=${encodeURIComponent(PIN)}`);
    await page.locator('[data-lane-id="lane-lan"]').waitFor();
    expect(page.url()).toBe(`${server.lanUrl}/`);

    // The stream reaches it: a new help call shows without a reload.
    const id = await raiseHelp(server, { session_id: 's-lan', lane_id: 'lane-lan' });
    const item = page.locator(`li[data-help-id="${id}"]`);
    await item.waitFor();
    // Watching only: the refusal says why, and nothing changed.
    await item.getByRole('button', { name: 'Acknowledge' }).click();
    await page.getByText(/may watch the board only/).waitFor();
    expect((await openHelp(server, id))?.acknowledged_at ?? null).toBeNull();

    // Settings from the LAN: read-only, no hook URLs, no token anywhere in the page.
    await page.goto(`${server.lanUrl}/#settings`);
    await page.getByText('Loading…').waitFor({ state: 'detached' });
    expect(await page.content()).not.toContain('e2e-hook-token');

    // The manager allows acting, from the desk computer; it applies at once.
    expect((await server.post('/api/settings/board', { lan_can_act: true }, 'PUT')).status).toBe(200);
    await page.goto(`${server.lanUrl}/`);
    const again = page.locator(`li[data-help-id="${id}"]`);
    await again.getByRole('button', { name: 'Acknowledge' }).click();
    await expect.poll(async () => (await openHelp(server, id))?.acknowledged_at ?? null).not.toBeNull();
    const events = await server.api('/api/events?type=helpAcknowledged');
    expect(events.items[0].data.client, 'the staff event names the LAN client').toBe(lanAddress());
    await again.getByRole('button', { name: 'Resolve' }).click();
    await again.waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  } finally {
    await server.post('/api/settings/board', { lan_can_act: false }, 'PUT');
    await context.close();
  }
});

test('a page on another site cannot act on the board, and a rebound name reaches nothing', async () => {
  const id = await raiseHelp(server, { session_id: 's-lan', lane_id: 'lane-lan' });
  // A browser that already holds a board session (the clerk opened the board earlier today).
  const context = await browser.newContext();
  const evil: HttpServer = createServer((_req, res) => {
    res.setHeader('content-type', 'text/html');
    res.end('<!doctype html><title>evil</title><p>nothing to see</p>');
  });
  await new Promise<void>((r) => evil.listen(0, '127.0.0.1', () => r()));
  const evilPort = (evil.address() as { port: number }).port;
  try {
    const board = await context.newPage();
    await board.goto(`${server.boardUrl}/?pin=${encodeURIComponent(PIN)}`);
    await board.locator('[data-lane-id="lane-lan"]').waitFor();

    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${evilPort}/`);
    const target = `${server.boardUrl}/api/help/${id}/ack`;
    // Every request a page may send without asking first: no-cors fetches and a form post.
    await page.evaluate(async (url) => {
      const attempts = [
        fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: '{}', headers: { 'content-type': 'text/plain' } }),
        fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include', body: new URLSearchParams({ by: 'evil' }) }),
        fetch(url, { method: 'POST', credentials: 'include', body: '{}', headers: { 'content-type': 'application/json' } }),
      ];
      await Promise.allSettled(attempts);
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = url;
      form.enctype = 'text/plain';
      const input = document.createElement('input');
      input.name = '{"by":"evil","x":"';
      input.value = '"}';
      form.appendChild(input);
      document.body.appendChild(form);
      form.submit();
    }, target);
    await page.waitForLoadState('load');
    expect((await openHelp(server, id))?.acknowledged_at ?? null, 'no cross-site request acknowledged it').toBeNull();
  } finally {
    evil.close();
    await context.close();
  }

  // DNS rebinding: the attacker's name now resolves to the desk PC. The board answers 421 to
  // every request naming it, its page included, so the attacker's script reads nothing.
  const rebound = await launchChromium(['--host-resolver-rules=MAP rebind.example 127.0.0.1']);
  try {
    const page = await rebound.newPage();
    const r = await page.goto(`http://rebind.example:${server.boardPort}/?pin=${encodeURIComponent(PIN)}`);
    expect(r?.status()).toBe(421);
    expect(await page.content()).not.toContain('e2e-hook-token');
    const settings = await page.evaluate(async () => (await fetch('/api/settings')).status);
    expect(settings).toBe(421);
  } finally {
    await rebound.close();
  }
});
