// Events in words, for the lane drawer's timeline and the activity feed. The vendor's own name
// is always shown beside these words, so an event type not listed here still reads as it came.
import type { EventRow } from './bindings/EventRow';
import { UI_CONSTANTS } from './bindings/constants';

type Kinds = typeof UI_CONSTANTS.event_kinds;

/** An event type the core knows: one of its own records, or one a vendor documents. */
export type EventKind = Kinds[keyof Kinds][number];

const WORDS: Partial<Record<EventKind, string>> = {
  // Action Target's lane events.
  sessionCreated: 'Session created',
  sessionStarted: 'Shooter entered the lane',
  sessionPaused: 'Session paused',
  sessionResumed: 'Session resumed',
  sessionModified: 'Session time changed',
  sessionStopped: 'Session ended',
  help: 'Help called',
  carrierHit: 'Carrier hit',
  purchaseRequest: 'Purchase requested',
  // rangedesk's own records.
  rangeSetup: 'Lane list read from Action Target',
  sessionObserved: 'Session seen in Action Target’s list',
  sessionVanished: 'Session gone from Action Target’s list',
  helpAcknowledged: 'Help acknowledged',
  helpResolved: 'Help resolved',
  purchaseHeld: 'Purchase waiting for the desk',
  purchaseApproved: 'Purchase approved',
  purchaseDeclined: 'Purchase declined',
  purchaseMissed: 'Purchase missed (nobody answered)',
  tabItemAdded: 'Added to the tab',
  sessionExtended: 'Lane time from a purchase',
  itemDelivered: 'Item delivered to the lane',
  staffStartSession: 'Desk started a session',
  staffModifySession: 'Desk changed the session time',
  staffStopSession: 'Desk stopped the session',
  // Enviso.
  ORDER_CREATED: 'Order created',
  ORDER_CONFIRMED: 'Order confirmed',
  ORDER_CANCELLED: 'Order cancelled',
  PASS_SCANNED: 'Pass scanned',
  BOOKING_CREATED: 'Booking created',
  BOOKING_UPDATED: 'Booking changed',
  BOOKING_CANCELLED: 'Booking cancelled',
  BOOKINGS_CANCELLED: 'Bookings cancelled',
  // Samna.
  booking_created: 'Booking created',
  booking_updated: 'Booking changed',
  booking_canceled: 'Booking cancelled',
  checkin_created: 'Check-in expected',
  checkin_started: 'Checked in',
  checkin_failed: 'Check-in failed',
  checkout_completed: 'Checked out',
  code_scanned: 'Code scanned',
};

/** Staff's words for an event type; the type itself when it has none. */
export function eventWords(type: string): string {
  const words: Record<string, string | undefined> = WORDS;
  return words[type] ?? type;
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

/**
 * One line of detail: who acted, what changed, what a purchase held. Read from the event's data
 * defensively: it is the vendor's payload or our own record, and any field may be missing.
 */
export function eventDetail(e: EventRow): string {
  const d = (e.data ?? {}) as Record<string, unknown>;
  const parts: string[] = [];
  const by = str(d.by);
  if (by && e.origin === 'staff') parts.push(`by ${by}`);
  if (typeof d.minutes === 'number') parts.push(`${d.minutes > 0 ? '+' : ''}${d.minutes} min`);
  const outcome = str(d.outcome);
  if (outcome) parts.push(outcome === 'ok' ? 'done' : `failed: ${str(d.error) ?? outcome}`);
  const name = str(d.name);
  if (name && typeof d.qty === 'number') parts.push(`${d.qty} × ${name}`);
  const message = str(d.user_message);
  if (message) parts.push(`“${message}”`);
  if (e.subject && !e.lane_id) parts.push(e.subject);
  return parts.join(' · ');
}
