// Vendor text is data, never markup. Markup and script payloads go into every vendor field that
// reaches a screen — customer names, lane and bay names (renamed in the simulator), unknown lane
// ids, help and purchase item ids, unknown event types, Enviso and Samna ids and fields, delivery
// bodies, rejected deliveries — and every screen of the app is opened in chromium, once with the
// page's CSP and once with CSP bypassed (so the UI itself, not the CSP, is what is tested). Nothing
// may run (a binding that a payload would call is never called, no dialog opens, no CSP report),
// no element or handler may come from a payload, and the payloads read as text.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { checkBuilt, launchChromium, Server, SHOTS, Simulator, until } from './harness.mjs';

/** Each calls `__pwned(tag)` if it ever runs; each at most 60 characters (our customer-name limit). */
const PAYLOADS = [
  `<img src=x onerror="__pwned('img')">`,
  `<script>__pwned('script')</script>`,
  `"><svg onload="__pwned('svg')">`,
  `javascript:__pwned('js-url')`,
  `'><iframe srcdoc="<script>parent.__pwned(1)</script>">`,
  `<a href="javascript:__pwned('a')">x</a>`,
  `<details open ontoggle="__pwned('details')">`,
  `<body onload="__pwned('body')">`,
  `{{constructor.constructor("__pwned('tpl')")()}}`,
  `<svg><style><img src=x onerror="__pwned('mx')">`,
];
const tag = (i: number) => PAYLOADS[i];

for (const p of PAYLOADS) if (p.length > 60) throw new Error(`payload too long: ${p}`);

let server: Server;
let sim: Simulator;
let browser: Browser;
const held: Promise<unknown>[] = [];
/** Payload texts the page must show as text somewhere (on the screen named). */
const shown: { screen: string; text: string }[] = [];
/** Lanes whose drawer shows vendor text: one renamed with a payload, one with a payload session. */
const drawerLanes: string[] = [];

beforeAll(async () => {
  checkBuilt({ sim: true });
  server = await Server.prepare({ demo: false, lanes: 24 });
  sim = await Simulator.start(server, { lanes: 24, scenario: false });
  server.apiBase = sim.api;
  await server.begin();
  browser = await launchChromium();
  await plant();
});

afterAll(async () => {
  // Release the purchases still held for the desk, so the server stops at once.
  const pending = (await server.api('/api/purchases?status=pending').catch(() => [])) as { trace_id: string }[];
  for (const p of pending) await server.post(`/api/purchases/${encodeURIComponent(p.trace_id)}/decline`, {});
  await Promise.allSettled(held);
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

/** Puts a payload into every vendor field that reaches a screen. */
async function plant() {
  type Lane = { lane_id: string; bay_id: string | null; name: string; state: string };
  const lanes = (await server.api('/api/lanes')) as Lane[];

  // Lane and bay names, as the range manager typed them into the vendor's set-up.
  const bays = [...new Set(lanes.map((l) => l.bay_id).filter((b): b is string => b !== null))];
  for (const [i, bay] of bays.entries()) await sim.control(`/_sim/names/${bay}`, { name: tag(i % PAYLOADS.length) });
  for (const [i, lane] of lanes.slice(0, PAYLOADS.length).entries()) {
    await sim.control(`/_sim/names/${lane.lane_id}`, { name: tag(i) });
  }
  expect((await server.post('/api/range/refresh')).status).toBeLessThan(300);
  await until('the renamed lanes on the board', async () =>
    ((await server.api('/api/lanes')) as Lane[]).some((l) => l.name === tag(0)),
  );
  shown.push({ screen: 'board', text: tag(0) });
  drawerLanes.push(lanes[0].lane_id);

  // A catalogue name (ours, but it reaches the queue, the tab and the lane screens).
  const products = (await server.api('/api/products')) as { id: string; display_name: string }[];
  const ammo = products.find((p) => p.id === 'AMMO-9MM');
  if (!ammo) throw new Error('the default catalogue has no AMMO-9MM');
  ammo.display_name = tag(6);
  const put = await server.post('/api/products', products, 'PUT');
  expect(put.status, JSON.stringify(put.body)).toBe(200);

  // Customer names, through a session started from the browser API and read back from the vendor.
  const sessions: { session_id: string; lane_id: string }[] = [];
  const usable = lanes.filter((l) => l.state === 'free');
  for (const [i, lane] of usable.slice(-PAYLOADS.length).entries()) {
    const r = await server.post('/api/sessions', { lane_id: lane.lane_id, customer_name: tag(i), duration: 120 });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    sessions.push(r.body);
  }
  shown.push({ screen: 'board', text: tag(1) });

  // Lane events: help on a known session, events about lanes and sessions nobody knows, unknown
  // event types with payload fields, and purchases of payload item ids (held for the desk).
  const s = sessions[0];
  drawerLanes.push(s.lane_id);
  expect((await server.hook({ event: 'help', session_id: s.session_id, lane_id: s.lane_id })).status).toBe(200);
  for (const [i, p] of PAYLOADS.entries()) {
    expect((await server.hook({ event: 'carrierHit', lane_id: p, session_id: p })).status).toBe(200);
    expect((await server.hook({ event: p, lane_id: p, session_id: p, note: p, [p]: { nested: p } })).status).toBe(200);
    if (i < 3) {
      held.push(
        server.hook({ event: 'purchaseRequest', session_id: s.session_id, lane_id: s.lane_id, items: [{ id: p, qty: 1 }] }),
      );
    }
  }
  held.push(server.hook({ event: 'purchaseRequest', session_id: s.session_id, lane_id: s.lane_id, items: [{ id: 'AMMO-9MM', qty: 1 }] }));
  await until('the held purchases', async () => ((await server.api('/api/purchases?status=pending')) as unknown[]).length >= 4);
  shown.push({ screen: 'board', text: tag(6) });
  shown.push({ screen: 'board', text: `1 × ${tag(2)}` });

  // Enviso and Samna: payloads in the envelope's ids and event names and in every data field a
  // screen might show (names, ids, lists of ids), signed so they are accepted and stored.
  for (const [i, p] of PAYLOADS.entries()) {
    for (const event of ['BOOKING_CREATED', 'ORDER_CREATED', 'PASS_SCANNED', p]) {
      const r = await server.enviso({
        id: `${event}-${i}-${p}`,
        event,
        data: { id: p, ids: [p], name: p, firstName: p, lastName: p, email: p, product: { name: p }, customer: { name: p } },
      });
      expect(r.status, `enviso ${event}`).toBe(200);
    }
    for (const event_name of ['booking_created', 'checkin_started', 'code_scanned', p]) {
      const entity = { id: p, name: p, title: p };
      const r = await server.samna({
        id: `${event_name}-${i}-${p}`,
        event_name,
        context: { booking: entity, bookable: entity, location: entity, user: entity, checkin: entity, code: entity },
      });
      expect(r.status, `samna ${event_name}`).toBe(200);
    }
  }
  // Refused deliveries keep their raw body for the delivery log.
  const bad = await fetch(`${server.publicUrl}/hooks/enviso`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id: tag(0), tenant: tag(1), event: tag(2), timestamp: tag(3), data: {}, signature: tag(4) }),
  });
  expect(bad.status).toBe(401);
  const notJson = await fetch(`${server.publicUrl}/hooks/samna`, { method: 'POST', body: PAYLOADS.join('\n') });
  expect(notJson.status).toBe(401);
  // The screens that list the latest deliveries and events show the last payloads sent.
  const last = tag(PAYLOADS.length - 1);
  for (const screen of ['status', 'today', 'activity', 'deliveries']) shown.push({ screen, text: last });
}

/** Everything in the page that would mean vendor text became markup. */
function injected(page: Page) {
  return page.evaluate(() => {
    const found: string[] = [];
    const urlAttrs = new Set(['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data']);
    for (const el of document.body.querySelectorAll('*')) {
      for (const a of el.attributes) {
        if (a.name.startsWith('on')) found.push(`<${el.localName} ${a.name}>`);
        if (urlAttrs.has(a.name) && /^\s*javascript:/i.test(a.value)) found.push(`<${el.localName} ${a.name}=javascript:>`);
        if (a.name === 'srcdoc') found.push(`<${el.localName} srcdoc>`);
      }
      if (['script', 'iframe', 'object', 'embed', 'frame', 'base', 'meta', 'math', 'style', 'link'].includes(el.localName)) found.push(`<${el.localName}>`);
      if (el.localName === 'img' && el.getAttribute('src') === 'x') found.push('<img src=x>');
    }
    return found;
  });
}

async function newContext(bypassCSP: boolean): Promise<{ context: BrowserContext; page: Page; ran: string[]; problems: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1920, height: 1080 }, bypassCSP });
  const ran: string[] = [];
  const problems: string[] = [];
  await context.exposeBinding('__pwned', (_src, what: string) => void ran.push(what));
  await context.addInitScript(() => {
    const w = window as unknown as { __csp: string[] };
    w.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => w.__csp.push(`${e.violatedDirective} ${e.sample}`));
  });
  const page = await context.newPage();
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  return { context, page, ran, problems };
}

describe.each([
  ['with the page CSP', false],
  ['with CSP bypassed', true],
] as const)('%s', (_name, bypassCSP) => {
  test('every screen shows the payloads as text and runs none of them', async () => {
    const { context, page, ran, problems } = await newContext(bypassCSP);
    try {
      await page.goto(server.boardUrl + '/');
      await page.locator('[data-lane-id]').first().waitFor();
      // Every screen the app's navigation offers (new screens are covered as they are added).
      const screenButtons = 'nav[aria-label="Screens"] button:not([aria-label^="Colour theme"])';
      const screens = await page.locator(screenButtons).allTextContents();
      expect(screens.length).toBeGreaterThanOrEqual(2);
      for (const name of screens) {
        await page.locator(screenButtons, { hasText: name }).click();
        await page.waitForTimeout(800);
        // Settings has tabs of its own: look at each.
        for (const tab of await page.locator('[role="tablist"] [role="tab"]').all()) {
          await tab.click();
          await page.waitForTimeout(300);
          expect(await injected(page), `markup from vendor text on ${name} / ${await tab.textContent()}`).toEqual([]);
        }
        // Open every raw body and header list, so what they hold is laid out as well.
        for (const summary of (await page.locator('summary').all()).slice(0, 60)) {
          await summary.click({ timeout: 1000 }).catch(() => undefined);
        }
        // Hover and focus everything a payload might have hooked, then look.
        for (const el of (await page.locator('[data-lane-id], li[data-key], tr').all()).slice(0, 80)) {
          await el.hover({ timeout: 500 }).catch(() => undefined);
        }
        if (!bypassCSP) {
          mkdirSync(SHOTS, { recursive: true });
          const file = join(SHOTS, `xss-${name.trim().toLowerCase()}.png`);
          await page.screenshot({ path: file });
          console.log(`screenshot: ${file}`);
        }
        expect(await injected(page), `markup from vendor text on ${name}`).toEqual([]);
        const text = await page.evaluate(() => document.body.innerText);
        for (const want of shown.filter((s) => s.screen === name.trim().toLowerCase())) {
          expect(text, `${name} shows the payload as text`).toContain(want.text);
        }
      }
      // The lane drawer of a lane with a payload name, and of the lane whose session has a
      // payload customer and payload purchases, help and events on its timeline.
      await page.locator(screenButtons, { hasText: 'Board' }).click();
      for (const laneId of drawerLanes) {
        const tile = page.locator(`[data-lane-id="${laneId}"]`);
        if ((await tile.getAttribute('role')) !== 'button') continue; // no drawer in this build
        await tile.click();
        const drawer = page.locator(`[data-drawer-lane-id="${laneId}"]`);
        await drawer.waitFor();
        await page.waitForTimeout(800);
        expect(await injected(page), 'markup from vendor text in the lane drawer').toEqual([]);
        expect(await drawer.innerText()).toContain(tag(0).slice(0, 10));
        await page.keyboard.press('Escape');
        await drawer.waitFor({ state: 'detached' });
      }
      expect(ran, 'payloads that ran').toEqual([]);
      expect(problems).toEqual([]);
      expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp), 'CSP violations').toEqual([]);
    } finally {
      await context.close();
    }
  });
});

test('the binding a payload would call does work, so the tests above can fail', async () => {
  const { context, page, ran } = await newContext(true);
  try {
    await page.goto(server.boardUrl + '/');
    await page.evaluate((p) => {
      const div = document.createElement('div');
      div.innerHTML = p;
      document.body.append(div);
    }, PAYLOADS[0]);
    await until('the planted handler to run', async () => ran.length > 0, 5000);
    expect(ran).toEqual(['img']);
    expect(await injected(page)).toContain('<img onerror>');
  } finally {
    await context.close();
  }
});
