// Deterministic situations on a busy demo board: a help call or a held purchase of our own, found
// again through the browser API by what is new since we posted it (the demo's scenario raises its
// own at random, so "the first one" would be a guess).
import type { Server } from './harness.mjs';
import { until } from './harness.mjs';

export type Session = { session_id: string; lane_id: string };

type Help = { help_id: number; session_id: string | null; lane_id: string | null; acknowledged_at: string | null };
type Purchase = {
  trace_id: string;
  session_id: string | null;
  status: string;
  items: { id: string; qty: number }[];
  user_message: string | null;
  decided_by: string | null;
};
export type TabItem = {
  item_id: string;
  trace_id: string;
  product_id: string;
  to_deliver: boolean;
  delivered_at: string | null;
};

/** Raises a help call on our session and returns its id once the browser API lists it. */
export async function raiseHelp(server: Server, s: Session): Promise<number> {
  const before = new Set(((await server.api('/api/help')) as Help[]).map((h) => h.help_id));
  const r = await server.hook({ event: 'help', session_id: s.session_id, lane_id: s.lane_id });
  if (r.status !== 200) throw new Error(`help delivery answered ${r.status}`);
  const mine = await until('the help call in /api/help', async () =>
    ((await server.api('/api/help')) as Help[]).find((h) => !before.has(h.help_id) && h.session_id === s.session_id),
  );
  return mine.help_id;
}

export async function openHelp(server: Server, id: number): Promise<Help | undefined> {
  return ((await server.api('/api/help')) as Help[]).find((h) => h.help_id === id);
}

export type Held = { traceId: string; answer: Promise<{ status: number; body: unknown }> };

/**
 * A lane purchase the rules hold for the desk (`ammo` and `rentals` ask): the lane's request
 * stays open, and `answer` resolves with what the lane screen is told once someone decides.
 */
export async function holdPurchase(server: Server, s: Session, items: { id: string; qty: number }[]): Promise<Held> {
  const before = new Set(((await server.api('/api/purchases?status=pending')) as Purchase[]).map((p) => p.trace_id));
  const answer = server.hook({ event: 'purchaseRequest', session_id: s.session_id, lane_id: s.lane_id, items });
  const mine = await until('the held purchase in /api/purchases', async () =>
    ((await server.api('/api/purchases?status=pending')) as Purchase[]).find(
      (p) => !before.has(p.trace_id) && p.session_id === s.session_id,
    ),
  );
  return { traceId: mine.trace_id, answer };
}

export async function purchase(server: Server, traceId: string): Promise<Purchase> {
  return (await server.api(`/api/purchases/${encodeURIComponent(traceId)}`)) as Purchase;
}

export async function tabOf(server: Server, traceId: string): Promise<TabItem[]> {
  const board = (await server.api('/api/board')) as { tab: TabItem[] };
  return board.tab.filter((t) => t.trace_id === traceId);
}
