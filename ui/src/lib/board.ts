// What the board shows, as pure functions of a BoardView and the time: lane state words and
// classes, local countdowns, ageing, grouping by bay and the order of the action queue. Time is
// passed in, so tests need no clock.
import type { ApiHealth } from './bindings/ApiHealth';
import type { BoardView } from './bindings/BoardView';
import { UI_CONSTANTS } from './bindings/constants';
import type { HelpView } from './bindings/HelpView';
import type { LaneState } from './bindings/LaneState';
import type { LaneView } from './bindings/LaneView';
import type { PurchaseView } from './bindings/PurchaseView';
import type { Source } from './bindings/Source';
import type { TabItemView } from './bindings/TabItemView';

const WORDS: Record<LaneState, string> = {
  free: 'Free',
  waiting: 'Waiting for shooter',
  active: 'Active',
  ending_soon: 'Ending soon',
  overtime: 'Overtime',
  paused: 'Paused',
  unusable: 'Not usable',
};

/** The word staff read for a lane state; colour is never the only signal. */
export function stateWord(state: LaneState): string {
  return WORDS[state] ?? state;
}

const SHORT: Partial<Record<LaneState, string>> = { waiting: 'Waiting', ending_soon: 'Ends soon' };

/** The same meaning where a narrow tile has no room for the long word beside its countdown. */
export function shortWord(state: LaneState): string {
  return SHORT[state] ?? stateWord(state);
}

/** The CSS class that colours a tile, one per state. */
export function stateClass(state: LaneState): string {
  return `state-${state.replace('_', '-')}`;
}

const RUNNING: ReadonlySet<LaneState> = new Set(['active', 'ending_soon', 'overtime']);

/**
 * The server's clock as this page sees it: `as_of` was "now" on the core when `receivedAt`
 * (local ms) was now here. Ages and countdowns use this, so a desk PC whose clock is off still
 * shows the right seconds.
 */
export function serverNow(asOf: string, receivedAt: number, localNow: number): number {
  const at = Date.parse(asOf);
  if (Number.isNaN(at)) return localNow;
  return at + (localNow - receivedAt);
}

/** Minutes left on a lane at `now` (server ms): running sessions count down, paused ones hold. */
export function minutesLeft(lane: LaneView, asOf: string, now: number): number | null {
  if (lane.minutes_remaining === null) return null;
  if (!RUNNING.has(lane.state)) return lane.minutes_remaining;
  const at = Date.parse(asOf);
  const elapsed = Number.isNaN(at) ? 0 : Math.max(0, now - at);
  return lane.minutes_remaining - elapsed / 60_000;
}

/**
 * The state at `now`: a running session crosses into ending soon and overtime between pushes, at
 * the core's thresholds (overtime at 0, ending soon at `ending_soon_minutes`).
 */
export function liveState(lane: LaneView, left: number | null): LaneState {
  if (!RUNNING.has(lane.state) || left === null) return lane.state;
  if (left <= 0) return 'overtime';
  if (left <= UI_CONSTANTS.ending_soon_minutes) return 'ending_soon';
  return 'active';
}

/** `12:05`, `1:02:05`, and `+3:10` once overtime. */
export function formatCountdown(minutes: number | null): string {
  if (minutes === null || !Number.isFinite(minutes)) return '';
  // Whole seconds, floored both ways: 0:00 only once time is really up, +0:01 a second after.
  const total = Math.floor(Math.abs(minutes) * 60);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  const text = h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
  return minutes < 0 && total > 0 ? `+${text}` : text;
}

export type Age = 'fresh' | 'amber' | 'red';

/** When waiting turns amber and red; configurable, by default the core's defaults. */
export type Ageing = { amberMs: number; redMs: number };
export const DEFAULT_AGEING: Ageing = {
  amberMs: UI_CONSTANTS.default_ageing_amber_seconds * 1000,
  redMs: UI_CONSTANTS.default_ageing_red_seconds * 1000,
};

/** The thresholds the core's config sets (`board.ageing_*_seconds`), as each board carries them. */
export function ageingOf(board: Pick<BoardView, 'ageing_amber_seconds' | 'ageing_red_seconds'>): Ageing {
  const amber = Number(board.ageing_amber_seconds);
  const red = Number(board.ageing_red_seconds);
  if (!(amber > 0) || !(red > amber)) return DEFAULT_AGEING;
  return { amberMs: amber * 1000, redMs: red * 1000 };
}

/** How urgent something that has waited `ms` looks. */
export function ageOf(ms: number, ageing: Ageing = DEFAULT_AGEING): Age {
  if (ms >= ageing.redMs) return 'red';
  if (ms >= ageing.amberMs) return 'amber';
  return 'fresh';
}

/** Milliseconds since an RFC 3339 time, never negative. */
export function since(rfc3339: string, now: number): number {
  const at = Date.parse(rfc3339);
  return Number.isNaN(at) ? 0 : Math.max(0, now - at);
}

/** `42 s`, `2 min 05 s`, `14 min`: short, and exact while it still matters. */
export function formatAge(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 10) return `${m} min ${String(s % 60).padStart(2, '0')} s`;
  return `${m} min`;
}

/** Whole seconds until a purchase's approval window closes; null when it has no deadline. */
export function secondsLeft(deadline: string | null, now: number): number | null {
  if (!deadline) return null;
  const at = Date.parse(deadline);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/** Still waiting for the desk: nobody (no rule, no person, no timeout) has decided it yet. */
export function isPending(p: PurchaseView): boolean {
  return p.decided_at === null;
}

export type Bay = { key: string; name: string | null; lanes: LaneView[] };

/**
 * Lanes grouped by bay in the vendor's display order: a bay stands where its first lane stands,
 * and lanes keep their order inside it. The vendor's order is not grouped by bay (its accessible
 * lane may come last yet stand in the first bay), so grouping must not sort.
 */
export function groupByBay(lanes: LaneView[]): Bay[] {
  const bays = new Map<string, Bay>();
  for (const lane of lanes) {
    // Lanes seen only in events have no bay; they gather after the known ones, as the core lists them.
    const key = lane.bay_id ?? (lane.known ? '' : '\u0000unknown');
    let bay = bays.get(key);
    if (!bay) {
      bay = { key, name: bayName(lane), lanes: [] };
      bays.set(key, bay);
    }
    bay.lanes.push(lane);
  }
  return [...bays.values()];
}

function bayName(lane: LaneView): string | null {
  if (lane.bay !== null) return lane.bay;
  if (lane.bay_id !== null) return 'Unnamed bay';
  return lane.known ? null : 'Not in the vendor’s lane list';
}

export type HelpOnLane = 'none' | 'raised' | 'acknowledged';

/** Whether a lane's tile shows a flashing help call, a steady acknowledged one, or none. */
export function helpOnLane(help: HelpView[], laneId: string): HelpOnLane {
  const calls = help.filter((h) => h.lane_id === laneId);
  if (calls.some((h) => h.acknowledged_at === null)) return 'raised';
  return calls.length > 0 ? 'acknowledged' : 'none';
}

export type QueueEntry =
  | { kind: 'help'; key: string; since: string; help: HelpView }
  | { kind: 'purchase'; key: string; since: string; purchase: PurchaseView };

/**
 * The action queue, oldest first: every open help call (acknowledged ones still need resolving)
 * and every purchase waiting for the desk. Ties keep a stable order so items never swap places.
 */
export function queue(board: BoardView): QueueEntry[] {
  const entries: QueueEntry[] = [
    ...board.help.map((help): QueueEntry => ({ kind: 'help', key: `help:${help.help_id}`, since: help.raised_at, help })),
    ...board.purchases
      .filter(isPending)
      .map((purchase): QueueEntry => ({ kind: 'purchase', key: `purchase:${purchase.trace_id}`, since: purchase.requested_at, purchase })),
  ];
  const at = (e: QueueEntry) => {
    const t = Date.parse(e.since);
    return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
  };
  return entries.sort((a, b) => at(a) - at(b) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** Physical items bought on a lane and not yet ticked off as delivered. */
export function toDeliver(board: BoardView): TabItemView[] {
  return board.tab.filter((t) => t.to_deliver);
}

/** A lane's name for the queue, from its id; the id itself when the board has no such lane. */
export function laneName(board: BoardView, laneId: string | null): string {
  if (laneId === null) return 'No lane';
  return board.lanes.find((l) => l.lane_id === laneId)?.name ?? laneId;
}

/** The words staff pick from when declining; the first is what one click or `D` sends. */
export const DECLINE_MESSAGES: readonly string[] = [
  'Please come to the desk',
  'Not available right now',
  'Limit reached for this session',
];

export type Link = 'ok' | 'silent' | 'never' | 'failing';

export type VendorLink = {
  source: string;
  /** The vendor's short name on the board. */
  name: string;
  link: Link;
  /** What the chip says under the name: `12 s ago`, `silent 40 min`, `poll failing`… */
  detail: string;
  /** The full story, for the chip's title. */
  title: string;
};

const SHORT_NAMES: Record<Source, string> = { action_target: 'Lanes', enviso: 'Enviso', samna: 'Samna' };

/**
 * Each vendor's connection as the board shows it: when it last delivered and whether it has gone
 * quiet for longer than `vendor_silent_minutes`; for Action Target also whether its API answers
 * the reconciler's polls (`api`, from the status call, when known).
 */
export function vendorLinks(
  board: Pick<BoardView, 'vendors' | 'vendor_silent_minutes' | 'stale'>,
  api: Pick<ApiHealth, 'polling' | 'last_poll_ok' | 'last_error' | 'stale'> | null,
  now: number,
): VendorLink[] {
  const silentMs = Number(board.vendor_silent_minutes) * 60_000;
  // `?? []`: a core from before vendor health sends no list; the chips then stay away.
  return (board.vendors ?? []).map((v) => {
    const name = SHORT_NAMES[v.source] ?? v.source;
    const full = v.source === 'action_target' ? 'Action Target' : name;
    const ago = v.last_delivery_at === null ? null : since(v.last_delivery_at, now);
    let link: Link = ago === null ? 'never' : silentMs > 0 && ago >= silentMs ? 'silent' : 'ok';
    let detail = ago === null ? 'nothing yet' : link === 'silent' ? `silent ${formatAge(ago)}` : `${formatAge(ago)} ago`;
    let title = ago === null ? `${full}: no delivery received yet` : `${full}: last delivery ${formatAge(ago)} ago`;
    if (v.source === 'action_target' && api?.polling) {
      if (board.stale || api.stale) {
        link = 'failing';
        detail = 'API not answering';
        title += `; the last poll failed${api.last_error ? `: ${api.last_error}` : ''}`;
      } else if (api.last_poll_ok !== null) {
        title += `; last poll ${formatAge(since(api.last_poll_ok, now))} ago`;
        // Polls answered: the lanes are in sync even when no webhook came for a while.
        if (link !== 'ok') {
          link = 'ok';
          detail = `poll ${formatAge(since(api.last_poll_ok, now))} ago`;
        }
      }
    }
    return { source: v.source, name, link, detail, title };
  });
}
