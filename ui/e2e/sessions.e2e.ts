// The lane drawer's session actions in chromium: open a free lane from its tile, start a session,
// extend it, shorten it, tick off an item on its tab, stop it — by mouse, by touch and by keyboard. Each step is checked on the
// page and through the browser API, whose sessions come from Action Target's API (here the
// simulator, `rangedesk-sim serve`: a quiet range, so a free lane stays free until we take it).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { checkBuilt, launchChromium, openBoard, Server, Simulator, until } from './harness.mjs';
import { holdPurchase, tabOf } from './flows';

let server: Server;
let sim: Simulator;
let browser: Browser;

beforeAll(async () => {
  checkBuilt({ sim: true });
  server = await Server.prepare({ demo: false, lanes: 24 });
  sim = await Simulator.start(server, { lanes: 24, scenario: false });
  server.apiBase = sim.api;
  await server.begin();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  await sim?.stop();
});

type Lane = { lane_id: string; state: string; known: boolean; session_id: string | null };
type SessionRow = { session_id: string; lane_id: string; customer_name: string | null; duration: number | null };

const sessionOn = async (laneId: string) =>
  ((await server.api('/api/sessions')) as SessionRow[]).find((s) => s.lane_id === laneId);

/** A different free lane for each way, so the ways never share state. */
const taken = new Set<string>();
async function freeLane(): Promise<string> {
  const lanes = (await server.api('/api/lanes')) as Lane[];
  const lane = lanes.find((l) => l.state === 'free' && l.known && !taken.has(l.lane_id));
  if (!lane) throw new Error('no free lane left');
  taken.add(lane.lane_id);
  return lane.lane_id;
}

type Way = 'mouse' | 'touch' | 'keyboard';

async function use(way: Way, page: Page, target: Locator) {
  if (way === 'mouse') await target.click();
  else if (way === 'touch') await target.tap();
  else {
    await target.focus();
    await page.keyboard.press('Enter');
  }
}

describe.each(['mouse', 'touch', 'keyboard'] as const)('by %s', (way) => {
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    ({ page, problems } = await openBoard(browser, server, { width: 1920, height: 1080, touch: way === 'touch' }));
  });

  afterAll(async () => {
    await page?.context().close();
  });

  test('start, extend, shorten, tick off and stop a session from the lane drawer', async () => {
    const laneId = await freeLane();
    const tile = page.locator(`[data-lane-id="${laneId}"]`);
    await use(way, page, tile);
    const drawer = page.locator(`[data-drawer-lane-id="${laneId}"]`);
    await drawer.waitFor();

    // Start. By mouse with the form's own default length, so the default is one the browser's
    // form validation accepts; by touch and keyboard with 30 minutes typed in.
    const customer = `Drawer ${way}`;
    const name = drawer.getByLabel('Customer name');
    const booked = way === 'mouse' ? Number(await drawer.getByLabel('Minutes').inputValue()) : 30;
    if (way === 'mouse') {
      await name.fill(customer);
      await use(way, page, drawer.getByRole('button', { name: 'Start session' }));
    } else if (way === 'keyboard') {
      await name.focus();
      await page.keyboard.type(customer);
      await page.keyboard.press('Tab');
      await page.keyboard.press('Control+A');
      await page.keyboard.type('30');
      // Enter in a field submits the form.
      await page.keyboard.press('Enter');
    } else {
      await name.fill(customer);
      await drawer.getByLabel('Minutes').fill('30');
      await use(way, page, drawer.getByRole('button', { name: 'Start session' }));
    }
    await expect.poll(() => sessionOn(laneId)).toMatchObject({ customer_name: customer, duration: booked });
    await expect.poll(() => tile.textContent()).toContain(customer);

    // Extend by 15, shorten by 5: Action Target's session follows, and so does the board.
    await use(way, page, drawer.getByRole('button', { name: 'Add 15 minutes' }));
    await expect.poll(async () => (await sessionOn(laneId))?.duration).toBe(booked + 15);
    await use(way, page, drawer.getByRole('button', { name: 'Remove 5 minutes' }));
    await expect.poll(async () => (await sessionOn(laneId))?.duration).toBe(booked + 10);
    const session = await sessionOn(laneId);
    const vendor = await fetch(`${sim.api}/sessions/${session!.session_id}`, {
      headers: { authorization: 'Bearer demo-action-target-key' },
    }).then((r) => r.json());
    expect(vendor.duration, "the vendor's own session").toBe(booked + 10);

    // A box of ammo approved for this session waits on its tab; it is ticked off from the drawer.
    const held = await holdPurchase(server, session!, [{ id: 'AMMO-9MM', qty: 1 }]);
    expect((await server.post(`/api/purchases/${encodeURIComponent(held.traceId)}/approve`)).status).toBe(200);
    expect((await held.answer).status).toBe(200);
    const [line] = await until('the tab line', async () => {
      const t = await tabOf(server, held.traceId);
      return t.length ? t : null;
    });
    const tick = drawer.locator(`tr[data-item-id="${line.item_id}"]`).getByRole('button', { name: /^Delivered: / });
    await use(way, page, tick);
    await expect.poll(async () => (await tabOf(server, held.traceId))[0]).toMatchObject({ to_deliver: false, delivered_by: 'desk' });
    await tick.waitFor({ state: 'detached' });

    // Stop asks once more before it acts.
    await use(way, page, drawer.getByRole('button', { name: 'Stop session' }));
    expect(await sessionOn(laneId), 'not stopped before the confirmation').toBeDefined();
    await use(way, page, drawer.getByRole('button', { name: 'Confirm stop' }));
    await expect.poll(() => sessionOn(laneId)).toBeUndefined();
    await expect.poll(() => tile.getAttribute('data-state')).toBe('free');

    // The drawer closes with Escape (keyboard) or its Close button.
    if (way === 'keyboard') await page.keyboard.press('Escape');
    else await use(way, page, drawer.getByRole('button', { name: 'Close lane drawer' }));
    await drawer.waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
  });
});
