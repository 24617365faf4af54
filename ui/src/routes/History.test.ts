import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { DayReport } from '../lib/bindings/DayReport';
import type { EventRow } from '../lib/bindings/EventRow';
import { board } from '../test/fixtures';
import { band, emptyDay, emptyPeriod, summary, XSS } from '../test/history';
import Activity from './Activity.svelte';
import Deliveries from './Deliveries.svelte';
import History from './History.svelte';

const FROM = '2026-11-23T00:00:00+01:00';
const TO = '2026-11-24T00:00:00+01:00';

/** A day whose figures are known by construction: one lane, one 90-minute session, one help call. */
function busyDay(): DayReport {
  const d = emptyDay();
  d.summary = summary({ sessions: 1, lane_minutes: 90, capacity_minutes: 600, utilization: 0.15, help_calls: 1, ack_median_seconds: 42, revenue_cents: 2550 });
  d.lanes.capacity = { open_from: '2026-11-23T09:00:00+01:00', open_to: '2026-11-23T19:00:00+01:00', open_minutes: 600, lanes: 1, usable_lane_minutes: 600 };
  d.lanes.bands = [
    {
      lane_id: 'L1',
      name: 'Lane 1',
      segments: band(FROM, '2026-11-23T10:00:00+01:00', '2026-11-23T11:30:00+01:00', TO, { customer: XSS }),
      marks: [{ at: '2026-11-23T10:30:00+01:00', kind: 'help', session_id: 'S1', event_id: 7, subject: '1', detail: 'resolved' }],
    },
  ];
  d.lanes.stats = [
    {
      lane_id: 'L1',
      name: 'Lane 1',
      sessions: 1,
      lane_minutes: 90,
      paused_minutes: 0,
      overtime_minutes: 0,
      unusable_minutes: 0,
      usable_minutes: 600,
      utilization: 0.15,
      revenue_cents: 2550,
      revenue_per_lane_hour_cents: 1700,
      median_turnaround_minutes: null,
      short_sessions: 0,
      help_calls: 1,
      carrier_hits: 0,
    },
  ];
  d.desk.ack = { count: 1, median: 42, p90: 42, worst: 42 };
  d.tables = [
    { name: 'summary', title: 'Summary by day', path: '/api/history/2026-11-23/summary.csv' },
    { name: 'lanes', title: 'Lanes', path: '/api/history/2026-11-23/lanes.csv' },
  ];
  return d;
}

let calls: Array<[string, unknown]> = [];

function window_(answer: (cmd: string, args: unknown) => unknown) {
  calls = [];
  mockIPC(
    (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'status') return { board_addr: '127.0.0.1:8788' };
      return answer(cmd, args);
    },
    { shouldMockEvents: true },
  );
}

const rowCells = (row: HTMLElement) => [...row.querySelectorAll('th, td')].map((c) => c.textContent?.trim());

beforeEach(() => {
  history.replaceState(null, '', '#history/2026-11-23');
});

afterEach(() => {
  cleanup();
  clearMocks();
  vi.unstubAllGlobals();
});

describe('History, a day', () => {
  it('asks for the URL’s day and shows its figures as the report has them, vendor text as text', async () => {
    window_((cmd, args) => (cmd === 'history_day' ? ((args as { date: string }).date === '2026-11-23' ? busyDay() : emptyDay('2026-11-16')) : {}));
    const { container } = render(History);
    const lanes = within(await screen.findByRole('region', { name: 'Lanes' }));
    expect(calls).toContainEqual(['history_day', { date: '2026-11-23' }]);
    expect(screen.getByText('Monday 2026-11-23')).toBeTruthy();

    // The per-lane table is the report's row; the denominator of utilization is written out.
    expect(rowCells(container.querySelector('tr[data-lane="L1"]')!)).toEqual(['Lane 1', '1', '1.5', '10.0', '15.0 %', '0 min', '0 min', '0 min', '25.50', '17.00', '—', '0', '1', '0']);
    expect(container.querySelector('[data-capacity]')?.textContent?.replace(/\s+/g, ' ')).toMatch(
      /= 1\.5 lane-hours used ÷ 10\.0 usable lane-hours: open 09:00–19:00 \(10 h 00 min\) × 1 lanes/,
    );
    // The timeline draws the session; its customer name, a vendor's text, is never markup.
    expect(container.querySelector('rect[data-state="active"]')?.getAttribute('width')).toBe('6.25%');
    expect(lanes.getAllByText(XSS).length).toBeGreaterThan(0);
    expect(container.querySelector('img')).toBeNull();
    // Figures drill down to the events behind them, filtered to the day.
    const help = container.querySelector('tr[data-lane="L1"] td:nth-last-child(2) a');
    expect(help?.getAttribute('href')).toBe(`#activity?type=help&lane=L1&from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`);
    const summaryRow = container.querySelector('tr[data-measure="ack"]') as HTMLElement;
    // Beside it, the same weekday a week before, asked for too (here an empty day: no median).
    expect(calls).toContainEqual(['history_day', { date: '2026-11-16' }]);
    expect(rowCells(summaryRow)).toEqual(['Median time to acknowledge', '42 s', '—', '—']);
    expect(rowCells(container.querySelector('tr[data-measure="sessions"]')!)).toEqual(['Sessions', '1', '0', '+1']);
  });

  it('shows a day with no events as zeros, not as an error', async () => {
    window_((cmd) => (cmd === 'history_day' ? emptyDay() : {}));
    const { container } = render(History);
    await screen.findByRole('region', { name: 'Lanes' });
    expect(screen.getByRole('alert').textContent).toBe('');
    for (const key of ['sessions', 'help_calls', 'requested', 'bookings', 'refused']) {
      expect(container.querySelector(`tr[data-measure="${key}"] td`)?.textContent, key).toBe('0');
    }
    expect(container.querySelector('tr[data-measure="utilization"] td')?.textContent).toBe('0.0 %');
    expect(container.querySelector('tr[data-measure="revenue"] td')?.textContent).toBe('0.00');
    expect(container.querySelector('tr[data-measure="ack"] td')?.textContent).toBe('—'); // No call, no median.
    expect(screen.getAllByText('No lane was used.')).toHaveLength(2);
    for (const name of ['Summary', 'Lanes', 'Desk response', 'Sales', 'Arrivals', 'Deliveries and truth']) {
      expect(screen.getByRole('region', { name })).toBeTruthy();
    }
  });

  it('shows the day alone when the week before cannot be read', async () => {
    window_((cmd, args) => {
      if (cmd !== 'history_day') return {};
      if ((args as { date: string }).date === '2026-11-16') throw { code: 'internal', message: 'no' };
      return busyDay();
    });
    const { container } = render(History);
    await screen.findByRole('region', { name: 'Lanes' });
    expect(screen.getByRole('alert').textContent).toBe('');
    expect(rowCells(container.querySelector('tr[data-measure="sessions"]')!)).toEqual(['Sessions', '1']);
  });

  it('links each table’s CSV with the path the report lists, in a browser', async () => {
    delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string) => new Response(JSON.stringify(url.startsWith('/api/history/') ? busyDay() : {}), { status: 200 })),
    );
    const { container } = render(History);
    await screen.findByRole('region', { name: 'Lanes' });
    expect(fetch).toHaveBeenCalledWith('/api/history/2026-11-23', expect.anything());
    const csv = [...container.querySelectorAll('section:not([data-section="exports"]) a.csv')].map((a) => a.getAttribute('href'));
    expect(csv).toEqual(['/api/history/2026-11-23/summary.csv', '/api/history/2026-11-23/lanes.csv']);
    const exports = within(screen.getByRole('region', { name: 'Every table as CSV' }));
    expect(exports.getByRole('link', { name: 'Lanes' }).getAttribute('href')).toBe('/api/history/2026-11-23/lanes.csv');
  });

  it('saves a table in the window through the app, and says where it went', async () => {
    window_((cmd, args) => {
      if (cmd === 'history_day') return busyDay();
      if (cmd === 'save_history_csv') {
        const { from, table } = args as { from: string; to: string; table: string };
        return { path: `/home/desk/Downloads/rangedesk-${from}-${table}.csv`, bytes: 120 };
      }
      return {};
    });
    const { container } = render(History);
    await screen.findByRole('region', { name: 'Lanes' });
    expect(container.querySelectorAll('a.csv'), 'no links the window cannot follow').toHaveLength(0);
    const exports = within(screen.getByRole('region', { name: 'Every table as CSV' }));
    await fireEvent.click(exports.getByRole('button', { name: 'Lanes' }));
    await waitFor(() => expect(exports.getByRole('status').textContent).toBe('Saved to /home/desk/Downloads/rangedesk-2026-11-23-lanes.csv'));
    expect(calls).toContainEqual(['save_history_csv', { from: '2026-11-23', to: '2026-11-23', table: 'lanes' }]);
    await waitFor(() => expect(container.querySelector('.window-csv')?.textContent).toContain('http://127.0.0.1:8788/#history/2026-11-23'));
  });

  it('says why a table was not saved', async () => {
    window_((cmd) => {
      if (cmd === 'history_day') return busyDay();
      if (cmd === 'save_history_csv') throw { code: 'cannot_save', message: 'could not save the table: No space left on device' };
      return {};
    });
    render(History);
    await screen.findByRole('region', { name: 'Lanes' });
    const exports = within(screen.getByRole('region', { name: 'Every table as CSV' }));
    await fireEvent.click(exports.getByRole('button', { name: 'Lanes' }));
    await waitFor(() => expect(exports.getByRole('status').textContent).toBe('Not saved: could not save the table: No space left on device'));
  });
});

describe('History, stepping', () => {
  it('steps a day with ← and → and the buttons, keeping the period in the URL', async () => {
    window_((cmd, args) => (cmd === 'history_day' ? emptyDay((args as { date: string }).date) : {}));
    render(History);
    await screen.findByRole('region', { name: 'Lanes' });
    await fireEvent.keyDown(window, { key: 'ArrowRight' });
    expect(location.hash).toBe('#history/2026-11-24');
    await waitFor(() => expect(calls).toContainEqual(['history_day', { date: '2026-11-24' }]));
    await fireEvent.click(screen.getByRole('button', { name: 'Previous day' }));
    await fireEvent.click(screen.getByRole('button', { name: 'Previous day' }));
    expect(location.hash).toBe('#history/2026-11-22');
    // Typing in a date field never steps the period.
    await fireEvent.keyDown(screen.getByLabelText('Go to'), { key: 'ArrowLeft' });
    expect(location.hash).toBe('#history/2026-11-22');
  });

  it('opens an ISO week as a range of the core’s, compares it with the previous one, and steps by weeks', async () => {
    history.replaceState(null, '', '#history/2026-W48');
    const dates = ['2026-11-23', '2026-11-24', '2026-11-25', '2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29'];
    const before = ['2026-11-16', '2026-11-17', '2026-11-18', '2026-11-19', '2026-11-20', '2026-11-21', '2026-11-22'];
    const p = emptyPeriod('2026-11-23', '2026-11-29', dates, before);
    p.summary = summary({ sessions: 30, help_calls: 4 });
    p.previous.summary = summary({ sessions: 20, help_calls: 4 });
    p.series[0].summary = summary({ sessions: 10 });
    p.previous.series[0].summary = summary({ sessions: 5 });
    window_((cmd) => (cmd === 'history_range' ? p : {}));
    const { container } = render(History);
    await screen.findByRole('region', { name: 'Trends, day by day' });
    expect(calls).toContainEqual(['history_range', { from: '2026-11-23', to: '2026-11-29' }]);
    expect(rowCells(container.querySelector('tr[data-measure="sessions"]')!)).toEqual(['Sessions', '30', '20', '+10 (+50 %)']);
    expect(rowCells(container.querySelector('tr[data-measure="help_calls"]')!)).toEqual(['Help calls', '4', '4', '±0']);
    const trend = container.querySelector('[data-trend="sessions"]')!;
    expect(trend.querySelectorAll('rect.now[data-date]')).toHaveLength(7);
    expect(rowCells(trend.querySelector('tbody tr')!)).toEqual(['2026-11-23', '10', '2026-11-16', '5', '+5 (+100 %)']);
    await fireEvent.keyDown(window, { key: 'ArrowLeft' });
    expect(location.hash).toBe('#history/2026-W47');
    await waitFor(() => expect(calls).toContainEqual(['history_range', { from: '2026-11-16', to: '2026-11-22' }]));
    await fireEvent.click(screen.getByRole('button', { name: 'Month' }));
    expect(location.hash).toBe('#history/2026-11');
  });

  it('says what is wrong with a URL that is not a period, and asks nothing', async () => {
    history.replaceState(null, '', '#history/2026-02-30');
    window_(() => ({}));
    render(History);
    expect(screen.getByRole('alert').textContent).toBe('2026-02-30 is not a date');
    expect(calls.filter(([c]) => c.startsWith('history'))).toEqual([]);
  });
});

describe('Activity from a drill-down', () => {
  it('reads its filters from the URL and asks the core for exactly those events', async () => {
    history.replaceState(null, '', `#activity?type=help&lane=L1&session=S9&from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`);
    const seen: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === 'events') {
          seen.push((args as { query: unknown }).query);
          return { items: [] as EventRow[], next_before: null };
        }
        if (cmd === 'board') return board();
        return {};
      },
      { shouldMockEvents: true },
    );
    render(Activity);
    await waitFor(() => expect(seen.length).toBeGreaterThan(0));
    expect(seen[0]).toMatchObject({ type: 'help', lane: 'L1', session: 'S9', from: FROM, to: TO, source: null });
    expect(screen.getByText(/Only events of session S9/)).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Show all' }));
    await waitFor(() => expect(seen.at(-1)).toEqual({ source: null, type: 'help', lane: 'L1', limit: 100 }));
    expect(location.hash).toBe('#activity?type=help&lane=L1');
  });
});

describe('Deliveries from a drill-down', () => {
  it('reads source, verdict and time span from the URL', async () => {
    history.replaceState(null, '', `#deliveries?source=enviso&verdict=duplicate&from=${encodeURIComponent(FROM)}&to=${encodeURIComponent(TO)}`);
    const seen: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === 'deliveries') {
          seen.push((args as { query: unknown }).query);
          return { items: [], next_before: null };
        }
        if (cmd === 'board') return board();
        return {};
      },
      { shouldMockEvents: true },
    );
    render(Deliveries);
    await waitFor(() => expect(seen.length).toBeGreaterThan(0));
    expect(seen[0]).toEqual({ source: 'enviso', verdict: 'duplicate', from: FROM, to: TO, limit: 50 });
  });
});
