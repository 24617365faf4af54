// Drill-downs: a figure on the History screen links to the events behind it, on the Activity
// screen (or the delivery log) filtered by the URL, so the link can be opened, bookmarked and
// shared like the report:
//   #activity?lane=L3&type=help&from=2026-11-23T00:00:00+01:00&to=2026-11-24T00:00:00+01:00
//   #deliveries?source=enviso&verdict=duplicate&from=…&to=…
// Every key is optional and is one field of the core's EventQuery / DeliveryQuery (from
// inclusive, to exclusive, RFC 3339 instants).
import type { DeliveryQuery } from './bindings/DeliveryQuery';
import type { EventQuery } from './bindings/EventQuery';

export type EventFilter = Partial<Pick<EventQuery, 'source' | 'type' | 'lane' | 'session' | 'from' | 'to'>>;
export type DeliveryFilter = Partial<Pick<DeliveryQuery, 'source' | 'verdict' | 'from' | 'to'>>;

const EVENT_KEYS = ['source', 'type', 'lane', 'session', 'from', 'to'] as const;
const DELIVERY_KEYS = ['source', 'verdict', 'from', 'to'] as const;

function href(screen: string, f: Record<string, string | null | undefined>, keys: readonly string[]): string {
  const q = new URLSearchParams();
  for (const k of keys) {
    const v = f[k];
    if (v) q.set(k, v);
  }
  const s = q.toString();
  return s ? `#${screen}?${s}` : `#${screen}`;
}

function read(hash: string, screen: string, keys: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (!hash.startsWith(`#${screen}?`)) return out;
  const q = new URLSearchParams(hash.slice(screen.length + 2));
  for (const k of keys) {
    const v = q.get(k);
    // Bounded: a hash is typed or pasted by anyone.
    if (v) out[k] = v.slice(0, 200);
  }
  return out;
}

export function activityHref(f: EventFilter): string {
  return href('activity', f, EVENT_KEYS);
}

export function activityFilter(hash: string): EventFilter {
  return read(hash, 'activity', EVENT_KEYS);
}

export function deliveriesHref(f: DeliveryFilter): string {
  return href('deliveries', f, DELIVERY_KEYS);
}

export function deliveriesFilter(hash: string): DeliveryFilter {
  return read(hash, 'deliveries', DELIVERY_KEYS);
}
