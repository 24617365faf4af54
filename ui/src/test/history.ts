// History reports for tests, typed by the generated bindings so a change in the core breaks them
// loudly. `emptyDay` is a day on which nothing happened, as the core answers it: zeros and empty
// lists, never missing sections.
import type { BandSegment } from '../lib/bindings/BandSegment';
import type { DayReport } from '../lib/bindings/DayReport';
import type { PeriodReport } from '../lib/bindings/PeriodReport';
import type { ReportSummary } from '../lib/bindings/ReportSummary';
import type { Spread } from '../lib/bindings/Spread';

export const XSS = '<img src=x onerror=alert(1)>';

export function summary(over: Partial<ReportSummary> = {}): ReportSummary {
  return {
    sessions: 0,
    lane_minutes: 0,
    capacity_minutes: 0,
    utilization: 0,
    short_sessions: 0,
    overtime_minutes: 0,
    help_calls: 0,
    ack_median_seconds: null,
    resolve_median_seconds: null,
    carrier_hits: 0,
    purchases: { requested: 0, approved: 0, declined: 0, missed: 0 },
    revenue_cents: 0,
    bookings: 0,
    check_ins: 0,
    scans: 0,
    deliveries_accepted: 0,
    deliveries_duplicate: 0,
    deliveries_refused: 0,
    corrections: 0,
    ...over,
  };
}

const none = (): Spread => ({ count: 0, median: null, p90: null, worst: null });

/** The hours of a day from `from`, each hour's first instant in UTC (the offsets do not matter here). */
export function hourStarts(from: string, hours: number): string[] {
  const t = Date.parse(from);
  return Array.from({ length: hours }, (_, i) => new Date(t + i * 3_600_000).toISOString());
}

export function emptyDay(date = '2026-11-23', from = '2026-11-23T00:00:00+01:00', to = '2026-11-24T00:00:00+01:00'): DayReport {
  const hours = Math.round((Date.parse(to) - Date.parse(from)) / 3_600_000);
  return {
    date,
    time_zone: 'Europe/Berlin',
    from,
    to,
    hours,
    summary: summary(),
    lanes: {
      capacity: { open_from: null, open_to: null, open_minutes: 0, lanes: 0, usable_lane_minutes: 0 },
      bands: [],
      stats: [],
      heatmap: { hours: hourStarts(from, hours), lanes: [], minutes: [] },
    },
    desk: {
      help_calls: [],
      ack: none(),
      resolve: none(),
      amber_seconds: 60,
      red_seconds: 180,
      over_amber: 0,
      over_red: 0,
      by_lane: [],
      by_hour: [],
      by_staff: [],
      held_purchases: [],
      decision: none(),
      missed: [],
    },
    sales: { purchases: { requested: 0, approved: 0, declined: 0, missed: 0 }, by_rule: [], revenue: [], revenue_cents: 0, overtime_minutes: 0 },
    arrivals: { bookings: 0, check_ins: 0, scans: 0, by_vendor: [] },
    deliveries: { by_vendor: [], corrections: [] },
    tables: [],
  };
}

/** Free from `from` to `a`, `state` from `a` to `b`, free to `to`: the band covers the whole day. */
export function band(from: string, a: string, b: string, to: string, over: Partial<BandSegment> = {}): BandSegment[] {
  return [
    { from, to: a, state: 'free', session_id: null, customer: null },
    { from: a, to: b, state: 'active', session_id: 'S1', customer: 'Ann', ...over },
    { from: b, to, state: 'free', session_id: null, customer: null },
  ];
}

export function emptyPeriod(from: string, to: string, dates: string[], before: string[]): PeriodReport {
  const day = emptyDay();
  return {
    from,
    to,
    time_zone: 'Europe/Berlin',
    start: `${from}T00:00:00+01:00`,
    end: `${to}T00:00:00+01:00`,
    days: dates.length,
    hours: dates.length * 24,
    summary: summary(),
    lanes: { ...day.lanes, heatmap: { hours: Array.from({ length: 24 }, (_, h) => String(h).padStart(2, '0')), lanes: [], minutes: [] } },
    desk: day.desk,
    sales: day.sales,
    arrivals: day.arrivals,
    deliveries: day.deliveries,
    series: dates.map((date) => ({ date, summary: summary() })),
    previous: {
      from: before[0],
      to: before[before.length - 1],
      start: `${before[0]}T00:00:00+01:00`,
      end: `${before[before.length - 1]}T00:00:00+01:00`,
      summary: summary(),
      series: before.map((date) => ({ date, summary: summary() })),
    },
    tables: [],
  };
}
