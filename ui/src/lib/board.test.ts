import { describe, expect, it } from 'vitest';
import { at, board, help, lane, purchase, T0 } from '../test/fixtures';
import { UI_CONSTANTS } from './bindings/constants';
import {
  ageingOf,
  ageOf,
  formatAge,
  formatCountdown,
  groupByBay,
  helpOnLane,
  liveState,
  minutesLeft,
  queue,
  secondsLeft,
  serverNow,
  stateClass,
  stateWord,
} from './board';

describe('lane state words', () => {
  it('names every state in words, so colour is never the only signal', () => {
    expect(stateWord('free')).toBe('Free');
    expect(stateWord('waiting')).toBe('Waiting for shooter');
    expect(stateWord('active')).toBe('Active');
    expect(stateWord('ending_soon')).toBe('Ending soon');
    expect(stateWord('overtime')).toBe('Overtime');
    expect(stateWord('paused')).toBe('Paused');
    expect(stateWord('unusable')).toBe('Not usable');
    expect(stateClass('ending_soon')).toBe('state-ending-soon');
  });
});

describe('countdowns', () => {
  it('counts a running session down from as_of without asking the core again', () => {
    const l = lane({ state: 'active', minutes_remaining: 10 });
    expect(minutesLeft(l, at(0), T0 + 90_000)).toBeCloseTo(8.5);
  });

  it('holds a paused session where it stopped', () => {
    const l = lane({ state: 'paused', minutes_remaining: 10 });
    expect(minutesLeft(l, at(0), T0 + 90_000)).toBe(10);
  });

  it('turns ending soon at 5 minutes and overtime at 0 between pushes, as the core does', () => {
    const l = lane({ state: 'active', minutes_remaining: 6 });
    expect(liveState(l, 5.01)).toBe('active');
    expect(liveState(l, 5)).toBe('ending_soon');
    expect(liveState(l, 0)).toBe('overtime');
    // A paused lane stays paused whatever its minutes say.
    expect(liveState(lane({ state: 'paused', minutes_remaining: 1 }), 1)).toBe('paused');
  });

  it('formats minutes as a clock, hours when needed, and overtime with a plus', () => {
    expect(formatCountdown(null)).toBe('');
    expect(formatCountdown(12.5)).toBe('12:30');
    expect(formatCountdown(0.01)).toBe('0:00');
    expect(formatCountdown(65.25)).toBe('1:05:15');
    expect(formatCountdown(-3.5)).toBe('+3:30');
    expect(formatCountdown(-0.001)).toBe('0:00');
  });

  it('follows the core clock, not a desk PC whose clock is off', () => {
    // The page got a board stamped 10:00:00 when its own clock said 09:58:00; 5 s later it is 10:00:05.
    const receivedAt = T0 - 120_000;
    expect(serverNow(at(0), receivedAt, receivedAt + 5000)).toBe(T0 + 5000);
  });
});

describe('ageing', () => {
  it('is amber after one minute and red after three', () => {
    expect(ageOf(59_999)).toBe('fresh');
    expect(ageOf(60_000)).toBe('amber');
    expect(ageOf(179_999)).toBe('amber');
    expect(ageOf(180_000)).toBe('red');
  });

  it('takes other thresholds when the range sets them', () => {
    expect(ageOf(30_000, { amberMs: 20_000, redMs: 40_000 })).toBe('amber');
  });

  it('writes ages short', () => {
    expect(formatAge(42_400)).toBe('42 s');
    expect(formatAge(125_000)).toBe('2 min 05 s');
    expect(formatAge(14 * 60_000 + 3000)).toBe('14 min');
  });

  it('gives whole seconds left in the approval window, never below zero', () => {
    expect(secondsLeft(at(12), T0 + 500)).toBe(12);
    expect(secondsLeft(at(1), T0 + 5000)).toBe(0);
    expect(secondsLeft(null, T0)).toBeNull();
  });
});

describe('thresholds', () => {
  // The core's values, through the generated constants.ts (stale against the Rust constants, the
  // bindings test fails): the UI never keeps a copy that could drift.
  it('turns ending soon exactly where the core’s board does', () => {
    const soon = UI_CONSTANTS.ending_soon_minutes;
    const l = lane({ state: 'active', minutes_remaining: soon + 1 });
    expect(liveState(l, soon + 0.01)).toBe('active');
    expect(liveState(l, soon)).toBe('ending_soon');
  });

  it('falls back to the core’s default ageing for a board that carries none', () => {
    const ageing = ageingOf({ ageing_amber_seconds: 0, ageing_red_seconds: 0 });
    expect(ageing).toEqual({
      amberMs: UI_CONSTANTS.default_ageing_amber_seconds * 1000,
      redMs: UI_CONSTANTS.default_ageing_red_seconds * 1000,
    });
    expect(ageOf(ageing.amberMs - 1)).toBe('fresh');
    expect(ageOf(ageing.amberMs)).toBe('amber');
    expect(ageOf(ageing.redMs)).toBe('red');
  });
});

describe('grouping by bay', () => {
  it('keeps the vendor order: a bay stands where its first lane stands, even when a later lane joins it', () => {
    const lanes = [
      lane({ lane_id: '1', bay_id: 'A', bay: 'Bay A' }),
      lane({ lane_id: '2', bay_id: 'B', bay: 'Bay B' }),
      lane({ lane_id: '3', bay_id: 'B', bay: 'Bay B' }),
      // The vendor's accessible lane comes last and stands in the first bay.
      lane({ lane_id: '4', bay_id: 'A', bay: 'Bay A' }),
      lane({ lane_id: 'x', bay_id: null, bay: null, known: false }),
    ];
    const bays = groupByBay(lanes);
    expect(bays.map((b) => b.name)).toEqual(['Bay A', 'Bay B', 'Not in the vendor’s lane list']);
    expect(bays.map((b) => b.lanes.map((l) => l.lane_id))).toEqual([['1', '4'], ['2', '3'], ['x']]);
  });

  it('groups by bay id, so two bays that share a name stay apart', () => {
    const bays = groupByBay([lane({ lane_id: '1', bay_id: 'A', bay: 'Bay' }), lane({ lane_id: '2', bay_id: 'B', bay: 'Bay' })]);
    expect(bays).toHaveLength(2);
  });
});

describe('the action queue', () => {
  it('puts help calls and pending purchases together, oldest first, and leaves decided purchases out', () => {
    const b = board({
      help: [help({ help_id: 7, raised_at: at(-20) }), help({ help_id: 8, raised_at: at(-90), acknowledged_at: at(-60) })],
      purchases: [
        purchase({ trace_id: 'new', requested_at: at(-5) }),
        purchase({ trace_id: 'old', requested_at: at(-50) }),
        purchase({ trace_id: 'done', requested_at: at(-200), decided_at: at(-190) }),
      ],
    });
    expect(queue(b).map((e) => e.key)).toEqual(['help:8', 'purchase:old', 'help:7', 'purchase:new']);
  });

  it('flashes help on a lane until it is acknowledged', () => {
    expect(helpOnLane([help()], 'L1')).toBe('raised');
    expect(helpOnLane([help({ acknowledged_at: at(0) })], 'L1')).toBe('acknowledged');
    expect(helpOnLane([help()], 'L2')).toBe('none');
  });
});
