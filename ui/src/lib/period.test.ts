import { describe, expect, it } from 'vitest';
import { addDays, isoWeek, parsePeriod, periodHash, step, type Period } from './period';

function period(hash: string): Period {
  const p = parsePeriod(hash);
  if ('problem' in p) throw new Error(p.problem);
  return p.period;
}

describe('the History URL', () => {
  it('reads a day, an ISO week, a month and a range, each with both ends included', () => {
    expect(period('#history/2026-11-23')).toEqual({ kind: 'day', from: '2026-11-23', to: '2026-11-23' });
    // 2026 starts on a Thursday, so week 1 starts on 2025-12-29 and week 48 on 23 November.
    expect(period('#history/2026-W48')).toEqual({ kind: 'week', from: '2026-11-23', to: '2026-11-29' });
    expect(period('#history/2026-W01')).toEqual({ kind: 'week', from: '2025-12-29', to: '2026-01-04' });
    expect(period('#history/2026-02')).toEqual({ kind: 'month', from: '2026-02-01', to: '2026-02-28' });
    expect(period('#history/2028-02')).toEqual({ kind: 'month', from: '2028-02-01', to: '2028-02-29' });
    expect(period('#history/2026-11-23..2026-12-02')).toEqual({ kind: 'range', from: '2026-11-23', to: '2026-12-02' });
  });

  it('opens today without a date, on the desk PC’s calendar', () => {
    const now = new Date(2026, 11, 1, 23, 59);
    expect(parsePeriod('#history', now)).toEqual({ period: { kind: 'day', from: '2026-12-01', to: '2026-12-01' } });
    expect(parsePeriod('#history/', now)).toEqual({ period: { kind: 'day', from: '2026-12-01', to: '2026-12-01' } });
  });

  it('refuses what is not a period, and says why', () => {
    for (const bad of ['#history/2026-02-30', '#history/2026-13', '#history/2026-W54', '#history/2020-W54x', '#history/yesterday', '#history/2026-11-29..2026-11-23', '#history/2024-01-01..2026-01-01']) {
      expect(parsePeriod(bad), bad).toHaveProperty('problem');
    }
    // 2026 has 53 ISO weeks (it starts on a Thursday); 2027 has 52.
    expect(period('#history/2026-W53')).toEqual({ kind: 'week', from: '2026-12-28', to: '2027-01-03' });
    expect(parsePeriod('#history/2027-W53')).toHaveProperty('problem');
  });

  it('writes back the hash it reads', () => {
    for (const h of ['#history/2026-11-23', '#history/2026-W48', '#history/2026-W01', '#history/2026-11', '#history/2026-11-23..2026-12-02']) {
      expect(periodHash(period(h))).toBe(h);
    }
    // The ISO year of a week is the year of its Thursday: 2027-01-01 is in 2026's week 53.
    expect(isoWeek('2027-01-01')).toEqual({ year: 2026, week: 53 });
  });
});

describe('stepping a period', () => {
  it('moves a day by a day across month, year and DST changes (plain dates, no clock)', () => {
    const d = period('#history/2026-03-29'); // Europe's spring-forward Sunday: still one day.
    expect(step(d, 1)).toEqual({ kind: 'day', from: '2026-03-30', to: '2026-03-30' });
    expect(step(d, -1)).toEqual({ kind: 'day', from: '2026-03-28', to: '2026-03-28' });
    expect(periodHash(step(period('#history/2026-12-31'), 1))).toBe('#history/2027-01-01');
    expect(periodHash(step(period('#history/2028-03-01'), -1))).toBe('#history/2028-02-29');
    expect(addDays('2026-10-25', 1)).toBe('2026-10-26'); // Autumn's 25-hour day.
  });

  it('moves a week by a week and a month by a month, across years', () => {
    expect(periodHash(step(period('#history/2026-W48'), 1))).toBe('#history/2026-W49');
    expect(periodHash(step(period('#history/2026-W53'), 1))).toBe('#history/2027-W01');
    expect(periodHash(step(period('#history/2027-W01'), -1))).toBe('#history/2026-W53');
    expect(step(period('#history/2026-12'), 1)).toEqual({ kind: 'month', from: '2027-01-01', to: '2027-01-31' });
    expect(step(period('#history/2026-03'), -1)).toEqual({ kind: 'month', from: '2026-02-01', to: '2026-02-28' });
    expect(step(period('#history/2026-01'), -13)).toEqual({ kind: 'month', from: '2024-12-01', to: '2024-12-31' });
  });

  it('moves a range by its own length, so the periods tile', () => {
    const r = period('#history/2026-11-23..2026-12-02'); // Ten days.
    expect(step(r, 1)).toEqual({ kind: 'range', from: '2026-12-03', to: '2026-12-12' });
    expect(step(r, -1)).toEqual({ kind: 'range', from: '2026-11-13', to: '2026-11-22' });
  });
});
