// Boards for tests, typed by the generated bindings so a change in the core breaks them loudly.
import type { BoardView } from '../lib/bindings/BoardView';
import type { HelpView } from '../lib/bindings/HelpView';
import type { LaneView } from '../lib/bindings/LaneView';
import type { PurchaseView } from '../lib/bindings/PurchaseView';
import type { TabItemView } from '../lib/bindings/TabItemView';

export const AS_OF = '2026-03-01T10:00:00Z';
export const T0 = Date.parse(AS_OF);

/** An RFC 3339 time `s` seconds after AS_OF (negative: before). */
export function at(s: number): string {
  return new Date(T0 + s * 1000).toISOString();
}

export function lane(over: Partial<LaneView> = {}): LaneView {
  return {
    lane_id: 'L1',
    name: 'Lane 1',
    bay: 'Bay A',
    bay_id: 'A',
    state: 'free',
    session_id: null,
    known: true,
    customer_name: null,
    minutes_remaining: null,
    open_help: 0,
    carrier_hits: 0,
    pending_purchases: 0,
    waiting_since: null,
    ...over,
  };
}

export function help(over: Partial<HelpView> = {}): HelpView {
  return {
    help_id: 1,
    session_id: 'S1',
    lane_id: 'L1',
    raised_at: at(-30),
    acknowledged_at: null,
    acknowledged_by: null,
    ...over,
  };
}

export function purchase(over: Partial<PurchaseView> = {}): PurchaseView {
  return {
    trace_id: 'T1',
    session_id: 'S1',
    lane_id: 'L1',
    status: 'pending',
    items: [{ id: 'ammo-9mm', qty: 2, display_name: null, product_type: null }],
    requested_at: at(-10),
    deadline: at(10),
    decided_at: null,
    decided_by: null,
    user_message: null,
    time_extension: null,
    ...over,
  };
}

export function tabItem(over: Partial<TabItemView> = {}): TabItemView {
  return {
    item_id: 'I1',
    trace_id: 'T0',
    session_id: 'S1',
    lane_id: 'L1',
    product_id: 'targets',
    product_type: 'targets',
    name: 'Paper targets',
    qty: 3,
    unit_price_cents: 150,
    total_cents: 450,
    to_deliver: true,
    delivered_at: null,
    delivered_by: null,
    ...over,
  };
}

export function board(over: Partial<BoardView> = {}): BoardView {
  return {
    lanes: [lane()],
    sessions: [],
    help: [],
    purchases: [],
    tab: [],
    ceasefire: false,
    stale: false,
    last_event_id: 1,
    run: 'run-1',
    as_of: AS_OF,
    ageing_amber_seconds: 60,
    ageing_red_seconds: 180,
    vendor_silent_minutes: 30,
    vendors: [
      { source: 'action_target', last_delivery_at: at(-5) },
      { source: 'enviso', last_delivery_at: null },
      { source: 'samna', last_delivery_at: at(-3600) },
    ],
    ...over,
  };
}
