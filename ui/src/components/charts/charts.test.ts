import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { LaneBand } from '../../lib/bindings/LaneBand';
import { band, XSS } from '../../test/history';
import BarChart from './BarChart.svelte';
import Heatmap from './Heatmap.svelte';
import Timeline from './Timeline.svelte';
import TrendChart from './TrendChart.svelte';
import { fraction, hourLabel, pct } from './scale';

// A plain day in Berlin, and the autumn day whose 02:00–03:00 happens twice (25 hours).
const DAY = { from: '2026-11-23T00:00:00+01:00', to: '2026-11-24T00:00:00+01:00' };
const LONG = { from: '2026-10-25T00:00:00+02:00', to: '2026-10-26T00:00:00+01:00' };

function timeline(bands: LaneBand[], day = DAY, hours: string[] = []) {
  return render(Timeline, { bands, ...day, hours, timeZone: 'Europe/Berlin' });
}

describe('the lane timeline', () => {
  it('draws 10:00–11:30 as 1.5/24 of a 24-hour day, starting 10/24 in', () => {
    const segs = band(DAY.from, '2026-11-23T10:00:00+01:00', '2026-11-23T11:30:00+01:00', DAY.to);
    const { container } = timeline([{ lane_id: 'L1', name: 'Lane 1', segments: segs, marks: [] }]);
    const active = container.querySelector('rect[data-state="active"]');
    expect(active?.getAttribute('width')).toBe('6.25%'); // 1.5 / 24
    expect(active?.getAttribute('x')).toBe('41.6667%'); // 10 / 24
    // The free segments before and after fill the rest of the band exactly.
    const free = [...container.querySelectorAll('rect[data-state="free"]')].map((r) => r.getAttribute('width'));
    expect(free).toEqual(['41.6667%', '52.0833%']);
  });

  it('draws the same 90 minutes as 1.5/25 of the 25-hour day, and counts the hours from the day’s first instant', () => {
    // 10:00 local after the change is 11 hours after midnight (00:00+02:00 → 10:00+01:00).
    const segs = band(LONG.from, '2026-10-25T10:00:00+01:00', '2026-10-25T11:30:00+01:00', LONG.to);
    const { container } = timeline([{ lane_id: 'L1', name: 'Lane 1', segments: segs, marks: [] }], LONG);
    const active = container.querySelector('rect[data-state="active"]');
    expect(active?.getAttribute('width')).toBe('6%'); // 1.5 / 25
    expect(active?.getAttribute('x')).toBe('44%'); // 11 / 25
  });

  it('draws one band per lane, each state and mark by class, and shows a session on focus, as text', async () => {
    const segs = band(DAY.from, '2026-11-23T10:00:00+01:00', '2026-11-23T11:30:00+01:00', DAY.to, { customer: XSS, session_id: 'S9' });
    const { container } = timeline([
      {
        lane_id: 'L1',
        name: 'Lane 1',
        segments: segs,
        marks: [
          { at: '2026-11-23T10:30:00+01:00', kind: 'help', session_id: 'S9', event_id: 7, subject: '3', detail: 'resolved' },
          { at: '2026-11-23T11:00:00+01:00', kind: 'hit', session_id: 'S9', event_id: 8, subject: null, detail: null },
          { at: '2026-11-23T11:10:00+01:00', kind: 'purchase', session_id: 'S9', event_id: 9, subject: 'T1', detail: 'approved' },
        ],
      },
      { lane_id: 'L2', name: 'Lane 2', segments: [{ from: DAY.from, to: DAY.to, state: 'unusable', session_id: null, customer: null }], marks: [] },
    ]);
    expect(container.querySelectorAll('.row[data-lane]')).toHaveLength(2);
    expect(container.querySelector('.row[data-lane="L2"] rect.seg.unusable')?.getAttribute('width')).toBe('100%');
    const marks = [...container.querySelectorAll('svg.mark[data-kind]')];
    expect(marks.map((m) => m.getAttribute('data-kind'))).toEqual(['help', 'hit', 'purchase']);
    expect(marks[0].getAttribute('x')).toBe('43.75%'); // 10:30 is 10.5/24.

    await fireEvent.focus(container.querySelector('rect[data-state="active"]')!);
    const tip = screen.getByRole('tooltip');
    expect(tip.textContent).toContain('Lane 1 · Active');
    expect(tip.textContent).toContain('10:00–11:30 (1 h 30 min)');
    // The customer's name is the vendor's text: shown as typed, never parsed as markup.
    expect(tip.textContent).toContain(XSS);
    expect(container.querySelector('img')).toBeNull();
    expect(within(tip).getByRole('link', { name: 'Events behind it' }).getAttribute('href')).toBe('#activity?session=S9');
  });

  it('draws whatever the report holds, even two marks of one event (a list from data is never keyed by its values)', () => {
    const m = { at: '2026-11-23T10:30:00+01:00', kind: 'hit' as const, session_id: null, event_id: 1, subject: null, detail: null };
    const segs = band(DAY.from, '2026-11-23T10:00:00+01:00', '2026-11-23T11:30:00+01:00', DAY.to);
    const { container } = timeline([{ lane_id: 'L1', name: null, segments: segs, marks: [m, m] }]);
    expect(container.querySelectorAll('svg.mark[data-kind="hit"]')).toHaveLength(2);
    expect(container.querySelector('.row[data-lane="L1"] .name')?.textContent).toBe('L1');
  });

  it('has the table of what it draws', () => {
    const segs = band(DAY.from, '2026-11-23T10:00:00+01:00', '2026-11-23T11:30:00+01:00', DAY.to);
    const { container } = timeline([{ lane_id: 'L1', name: 'Lane 1', segments: segs, marks: [] }]);
    const rows = [...container.querySelectorAll('details tbody tr')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
    expect(rows).toEqual([['Lane 1', '10:00', '11:30', '90', 'Active', 'Ann', 'S1']]);
  });
});

describe('the bar chart', () => {
  it('draws each value as its share of a round maximum, and the same values in its table', () => {
    const bars = [
      { key: '09', label: '09', value: 50 },
      { key: '10', label: '10', value: 100, href: '#activity?type=help' },
      { key: '11', label: '11', value: 0 },
      { key: '12', label: '12', value: null },
    ];
    const { container } = render(BarChart, { bars, title: 'Help calls by hour', keyHeader: 'Hour', valueHeader: 'Calls' });
    const rects = [...container.querySelectorAll('rect.now')];
    // The plot is 139 px tall for 100 (the round maximum of 100): 50 is half of it.
    expect(rects.map((r) => Number(r.getAttribute('height')))).toEqual([69.5, 139, 0, 0]);
    expect(rects.map((r) => r.getAttribute('width'))).toEqual(['17.5%', '17.5%', '17.5%', '17.5%']);
    const cells = [...container.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
    expect(cells).toEqual([['09', '50'], ['10', '100'], ['11', '0'], ['12', '—']]);
    expect(within(container).getByRole('link', { name: '100' }).getAttribute('href')).toBe('#activity?type=help');
  });
});

describe('the heatmap', () => {
  it('shades each lane-hour by its minutes of 60, and tabulates the minutes', () => {
    const heatmap = { hours: ['2026-11-23T09:00:00+01:00', '2026-11-23T10:00:00+01:00'], lanes: ['L1', 'L2'], minutes: [[30, 60], [0, 15]] };
    const { container } = render(Heatmap, { heatmap, names: new Map([['L1', 'Lane 1']]), title: 'Use by hour' });
    const shade = (lane: string) => [...container.querySelectorAll(`.row[data-lane="${lane}"] rect.heat`)].map((r) => r.getAttribute('fill-opacity'));
    expect(shade('L1')).toEqual(['0.5', '1']);
    expect(shade('L2')).toEqual(['0', '0.25']);
    const rows = [...container.querySelectorAll('tbody tr')].map((r) => r.textContent?.replace(/\s+/g, ''));
    expect(rows).toEqual(['Lane13060', 'L2015']); // An unnamed lane shows its id.
  });

  it('links a cell with minutes to the events behind it, when told where', () => {
    const heatmap = { hours: ['h0', 'h1'], lanes: ['L1'], minutes: [[0, 15]] };
    const { container } = render(Heatmap, { heatmap, names: new Map(), title: 'Use', href: (lane: string, hour: number) => `#activity?lane=${lane}&h=${hour}` });
    expect([...container.querySelectorAll('tbody a')].map((a) => a.getAttribute('href'))).toEqual(['#activity?lane=L1&h=1']); // Not the empty hour.
  });

  it('names a repeated hour by its offset on the 25-hour day', () => {
    const all = ['2026-10-25T01:00:00+02:00', '2026-10-25T02:00:00+02:00', '2026-10-25T02:00:00+01:00', '2026-10-25T03:00:00+01:00'];
    expect(all.map((h) => hourLabel(h, all))).toEqual(['01', '02 (+02:00)', '02 (+01:00)', '03']);
  });
});

describe('the trend chart', () => {
  it('draws this period as columns and the previous one as dots and lines, and tabulates both with the change', () => {
    const { container } = render(TrendChart, {
      dates: ['2026-11-23', '2026-11-24', '2026-11-25'],
      now: [10, 20, 0],
      beforeDates: ['2026-11-16', '2026-11-17', '2026-11-18'],
      before: [5, 20, null],
      title: 'Sessions',
    });
    expect(container.querySelectorAll('rect.now[data-date]')).toHaveLength(3);
    expect(container.querySelectorAll('circle.before[data-date]')).toHaveLength(2); // No dot for a missing day.
    expect(container.querySelectorAll('line.before[x1]')).toHaveLength(2); // One piece, plus the legend's.
    const rows = [...container.querySelectorAll('tbody tr')].map((r) => [...r.querySelectorAll('td')].map((c) => c.textContent));
    expect(rows).toEqual([
      ['2026-11-23', '10', '2026-11-16', '5', '+5 (+100 %)'],
      ['2026-11-24', '20', '2026-11-17', '20', '±0'],
      ['2026-11-25', '0', '2026-11-18', '—', '—'],
    ]);
  });
});

describe('the trend chart’s axis', () => {
  it('is round in the unit shown: 100 minutes shown as hours top out at 2 h, not 100 min', () => {
    const { container } = render(TrendChart, { dates: ['d1'], now: [100], beforeDates: ['d0'], before: [null], title: 'Lane-hours', format: (v: number) => `${v / 60} h`, unit: 60 });
    expect(container.querySelector('svg[role="img"] > text')?.textContent).toBe('2 h');
  });
});

describe('chart scales', () => {
  it('places instants by elapsed time and clamps what falls outside', () => {
    expect(fraction('2026-11-23T12:00:00+01:00', DAY.from, DAY.to)).toBe(0.5);
    expect(fraction('2026-11-22T12:00:00+01:00', DAY.from, DAY.to)).toBe(0);
    expect(fraction('2026-11-25T00:00:00+01:00', DAY.from, DAY.to)).toBe(1);
    expect(pct(1 / 3)).toBe('33.3333%');
  });
});
