import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { LaneState } from '../lib/bindings/LaneState';
import { AS_OF, lane, T0 } from '../test/fixtures';
import LaneTile from './LaneTile.svelte';

function tile(container: HTMLElement): HTMLElement {
  const el = container.querySelector<HTMLElement>('[data-lane-id]');
  if (!el) throw new Error('no tile');
  return el;
}

describe('LaneTile', () => {
  const cases: Array<[LaneState, number | null, string, string]> = [
    ['free', null, 'Free', 'state-free'],
    ['waiting', null, 'Waiting for shooter', 'state-waiting'],
    ['active', 30, 'Active', 'state-active'],
    ['ending_soon', 4, 'Ending soon', 'state-ending-soon'],
    ['overtime', -2, 'Overtime', 'state-overtime'],
    ['paused', 12, 'Paused', 'state-paused'],
    ['unusable', null, 'Not usable', 'state-unusable'],
  ];
  it.each(cases)('shows %s by word and by class', (state, minutes, word, cls) => {
    const { container } = render(LaneTile, { lane: lane({ state, minutes_remaining: minutes }), asOf: AS_OF, now: T0 });
    const el = tile(container);
    expect(el.querySelector('.word .long')?.textContent).toBe(word);
    expect(el.classList.contains(cls)).toBe(true);
    expect(el.dataset.laneId).toBe('L1');
  });

  it('counts down from as_of as the clock moves, without a new board', async () => {
    const l = lane({ state: 'active', minutes_remaining: 10 });
    const { container, rerender } = render(LaneTile, { lane: l, asOf: AS_OF, now: T0 });
    expect(tile(container).querySelector('.countdown')?.textContent).toBe('10:00');
    await rerender({ lane: l, asOf: AS_OF, now: T0 + 61_000 });
    expect(tile(container).querySelector('.countdown')?.textContent).toBe('8:59');
    // Five minutes left: the tile turns to ending soon by itself.
    await rerender({ lane: l, asOf: AS_OF, now: T0 + 5 * 60_000 });
    expect(tile(container).querySelector('.word .long')?.textContent).toBe('Ending soon');
    await rerender({ lane: l, asOf: AS_OF, now: T0 + 10 * 60_000 + 5000 });
    expect(tile(container).querySelector('.word .long')?.textContent).toBe('Overtime');
    expect(tile(container).querySelector('.countdown')?.textContent).toBe('+0:05');
  });

  it('flashes help until it is acknowledged, then shows it steady', async () => {
    const l = lane({ state: 'active', minutes_remaining: 20, open_help: 1 });
    const { container, rerender } = render(LaneTile, { lane: l, asOf: AS_OF, now: T0, help: 'raised', waitingMs: 5000 });
    expect(tile(container).classList.contains('help-raised')).toBe(true);
    expect(tile(container).textContent).toContain('HELP');
    await rerender({ lane: l, asOf: AS_OF, now: T0, help: 'acknowledged', waitingMs: null });
    expect(tile(container).classList.contains('help-raised')).toBe(false);
    expect(tile(container).textContent).toContain('Help ✓');
  });

  it('ages what waits on the lane: amber after a minute, red after three', async () => {
    const l = lane({ state: 'active', minutes_remaining: 20, pending_purchases: 1 });
    const { container, rerender } = render(LaneTile, { lane: l, asOf: AS_OF, now: T0, waitingMs: 61_000 });
    expect(tile(container).querySelector('.buy')?.classList.contains('age-amber')).toBe(true);
    await rerender({ lane: l, asOf: AS_OF, now: T0, waitingMs: 181_000 });
    expect(tile(container).querySelector('.buy')?.classList.contains('age-red')).toBe(true);
  });

  it('shows the customer and carrier hits', () => {
    const l = lane({ state: 'active', minutes_remaining: 20, customer_name: 'Ada Lovelace', carrier_hits: 2 });
    const { container } = render(LaneTile, { lane: l, asOf: AS_OF, now: T0 });
    expect(tile(container).querySelector('.customer')?.textContent).toBe('Ada Lovelace');
    expect(tile(container).querySelector('.hits')?.textContent).toBe('Hit ×2');
  });
});
