// The headline measures of a day or a period (the core's ReportSummary), in the order the
// History screen shows them: in the summary, in the comparison with the previous period and as
// trend charts. One list, so the three never disagree on a label or a format.
import type { ReportSummary } from './bindings/ReportSummary';
import type { EventFilter } from './drill';
import { count, hours, money, percent, seconds } from './figures';

export type Measure = {
  key: string;
  label: string;
  value: (s: ReportSummary) => number | null;
  format: (v: number) => string;
  /** Drawn as a trend chart over a period. */
  trend?: boolean;
  /** The events behind it, on the Activity screen (the period's instants are added). */
  events?: EventFilter;
  /** What one shown unit is in the value (60: hours shown of minutes), for round chart axes. */
  unit?: number;
  /** A change up is bad news (slower answers, more refusals). */
  lowerIsBetter?: boolean;
};

export const MEASURES: readonly Measure[] = [
  { key: 'sessions', label: 'Sessions', value: (s) => s.sessions, format: count, trend: true, events: { type: 'sessionStarted' } },
  { key: 'lane_hours', label: 'Lane-hours', value: (s) => s.lane_minutes, format: hours, trend: true, unit: 60 },
  { key: 'utilization', label: 'Utilization', value: (s) => s.utilization, format: percent, trend: true },
  { key: 'short_sessions', label: 'Short sessions (< 10 min)', value: (s) => s.short_sessions, format: count, lowerIsBetter: true },
  { key: 'overtime', label: 'Overtime minutes', value: (s) => s.overtime_minutes, format: (v) => count(Math.round(v)) },
  { key: 'help_calls', label: 'Help calls', value: (s) => s.help_calls, format: count, trend: true, events: { type: 'help' } },
  { key: 'ack', label: 'Median time to acknowledge', value: (s) => s.ack_median_seconds, format: seconds, trend: true, lowerIsBetter: true, unit: 60, events: { type: 'helpAcknowledged' } },
  { key: 'resolve', label: 'Median time to resolve', value: (s) => s.resolve_median_seconds, format: seconds, lowerIsBetter: true, events: { type: 'helpResolved' } },
  { key: 'hits', label: 'Carrier hits', value: (s) => s.carrier_hits, format: count, events: { type: 'carrierHit' } },
  { key: 'requested', label: 'Purchases requested', value: (s) => s.purchases.requested, format: count, events: { type: 'purchaseRequest' } },
  { key: 'missed', label: 'Purchases missed', value: (s) => s.purchases.missed, format: count, lowerIsBetter: true, events: { type: 'purchaseMissed' } },
  { key: 'revenue', label: 'Revenue', value: (s) => s.revenue_cents, format: money, trend: true, unit: 100 },
  { key: 'bookings', label: 'Bookings', value: (s) => s.bookings, format: count },
  { key: 'check_ins', label: 'Check-ins', value: (s) => s.check_ins, format: count },
  { key: 'scans', label: 'Pass and code scans', value: (s) => s.scans, format: count },
  { key: 'accepted', label: 'Deliveries accepted', value: (s) => s.deliveries_accepted, format: count },
  { key: 'duplicate', label: 'Duplicate deliveries', value: (s) => s.deliveries_duplicate, format: count },
  { key: 'refused', label: 'Deliveries refused', value: (s) => s.deliveries_refused, format: count, trend: true, lowerIsBetter: true },
  { key: 'corrections', label: 'Reconciler corrections', value: (s) => s.corrections, format: count, lowerIsBetter: true },
];
