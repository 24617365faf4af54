import { fireEvent, render } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { QueueActions } from '../lib/queue';
import { at, board, help, lane, purchase, T0, tabItem } from '../test/fixtures';
import ActionQueue from './ActionQueue.svelte';

function spies(): QueueActions & Record<keyof QueueActions, ReturnType<typeof vi.fn>> {
  return {
    acknowledge: vi.fn().mockResolvedValue({}),
    resolve: vi.fn().mockResolvedValue({}),
    approve: vi.fn().mockResolvedValue({}),
    decline: vi.fn().mockResolvedValue({}),
    delivered: vi.fn().mockResolvedValue({}),
  };
}

const BOARD = board({
  lanes: [lane({ lane_id: 'L1', name: 'Lane 1' }), lane({ lane_id: 'L2', name: 'Lane 2' })],
  help: [help({ help_id: 42, lane_id: 'L2', raised_at: at(-100) })],
  purchases: [
    purchase({ trace_id: 'tr-old', requested_at: at(-130), deadline: at(7) }),
    purchase({ trace_id: 'tr-new', lane_id: 'L2', requested_at: at(-5), deadline: at(15) }),
  ],
});

function item(container: HTMLElement, selector: string): HTMLElement {
  const el = container.querySelector<HTMLElement>(selector);
  if (!el) throw new Error(`no ${selector}`);
  return el;
}

describe('ActionQueue', () => {
  it('lists help calls and purchases oldest first, with ages and seconds left', () => {
    const { container } = render(ActionQueue, { board: BOARD, now: T0, actions: spies() });
    const items = [...container.querySelectorAll<HTMLElement>('li[data-key]')];
    expect(items.map((li) => li.dataset.traceId ?? li.dataset.helpId)).toEqual(['tr-old', '42', 'tr-new']);
    expect(items[0].querySelector('.left')?.textContent).toBe('7 s left');
    expect(items[0].querySelector('.age')?.textContent).toBe('2 min 10 s');
    expect(items[0].classList.contains('age-amber')).toBe(true);
    expect(items[2].classList.contains('age-fresh')).toBe(true);
    expect(items[1].querySelector('.lane')?.textContent).toBe('Lane 2');
  });

  it('calls the API with the item’s own id in one click', async () => {
    const actions = spies();
    const { container } = render(ActionQueue, { board: BOARD, now: T0, actions });
    await fireEvent.click(item(container, '[data-trace-id="tr-new"] .primary'));
    expect(actions.approve).toHaveBeenCalledWith('tr-new');
    await fireEvent.click(item(container, '[data-trace-id="tr-old"] .decline'));
    expect(actions.decline).toHaveBeenCalledWith('tr-old', 'Please come to the desk');
    await fireEvent.click(item(container, '[data-help-id="42"] .primary'));
    expect(actions.acknowledge).toHaveBeenCalledWith(42);
  });

  it('declines with the message staff picked', async () => {
    const actions = spies();
    const { container } = render(ActionQueue, { board: BOARD, now: T0, actions });
    const select = item(container, '[data-trace-id="tr-new"] select') as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'Not available right now' } });
    await fireEvent.click(item(container, '[data-trace-id="tr-new"] .decline'));
    expect(actions.decline).toHaveBeenCalledWith('tr-new', 'Not available right now');
  });

  it('answers the focused item by key: Enter and A approve or acknowledge, D declines, R resolves', async () => {
    const actions = spies();
    const { container } = render(ActionQueue, { board: BOARD, now: T0, actions });
    await fireEvent.keyDown(item(container, '[data-trace-id="tr-old"]'), { key: 'Enter' });
    expect(actions.approve).toHaveBeenCalledWith('tr-old');
    await fireEvent.keyDown(item(container, '[data-trace-id="tr-new"]'), { key: 'd' });
    expect(actions.decline).toHaveBeenCalledWith('tr-new', 'Please come to the desk');
    await fireEvent.keyDown(item(container, '[data-help-id="42"]'), { key: 'a' });
    expect(actions.acknowledge).toHaveBeenCalledWith(42);
    // Not a purchase key on a help call: D does nothing there.
    await fireEvent.keyDown(item(container, '[data-help-id="42"]'), { key: 'D' });
    expect(actions.decline).toHaveBeenCalledTimes(1);
  });

  it('resolves an acknowledged call by R, and moves focus with the arrows', async () => {
    const actions = spies();
    const b = board({ ...BOARD, help: [help({ help_id: 42, lane_id: 'L2', raised_at: at(-100), acknowledged_at: at(-50), acknowledged_by: 'desk' })] });
    const { container } = render(ActionQueue, { board: b, now: T0, actions });
    const call = item(container, '[data-help-id="42"]');
    await fireEvent.keyDown(call, { key: 'r' });
    expect(actions.resolve).toHaveBeenCalledWith(42);
    // Enter on an acknowledged call does not acknowledge it again.
    await fireEvent.keyDown(call, { key: 'Enter' });
    expect(actions.acknowledge).not.toHaveBeenCalled();
    expect(call.textContent).toContain('Acknowledged by desk');
    call.focus();
    await fireEvent.keyDown(call, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(item(container, '[data-trace-id="tr-new"]'));
  });

  it('keeps the keyboard in the queue: when an answered item leaves, the next one has focus', async () => {
    const actions = spies();
    const { container, rerender } = render(ActionQueue, { board: BOARD, now: T0, actions });
    const first = item(container, '[data-trace-id="tr-old"]');
    first.focus();
    await fireEvent.keyDown(first, { key: 'a' });
    // The core answers and pushes a board without that purchase.
    await rerender({ board: { ...BOARD, last_event_id: 2, purchases: BOARD.purchases.slice(1) }, now: T0, actions });
    expect(document.activeElement).toBe(item(container, '[data-help-id="42"]'));
  });

  it('takes one click per item: a second is ignored until the board shows the answer', async () => {
    const actions = spies();
    const { container, rerender } = render(ActionQueue, { board: BOARD, now: T0, actions });
    const approve = item(container, '[data-trace-id="tr-new"] .primary');
    await fireEvent.click(approve);
    await vi.waitFor(() => expect((approve as HTMLButtonElement).disabled).toBe(true));
    await fireEvent.click(approve);
    expect(actions.approve).toHaveBeenCalledTimes(1);
    await rerender({ board: { ...BOARD, last_event_id: 2 }, now: T0, actions });
    expect((item(container, '[data-trace-id="tr-new"] .primary') as HTMLButtonElement).disabled).toBe(false);
  });

  it('frees an item at once when the core refuses', async () => {
    const actions = spies();
    actions.approve.mockRejectedValue(new Error('already answered'));
    const { container } = render(ActionQueue, { board: BOARD, now: T0, actions });
    const approve = item(container, '[data-trace-id="tr-new"] .primary') as HTMLButtonElement;
    await fireEvent.click(approve);
    await vi.waitFor(() => expect(approve.disabled).toBe(false));
  });

  it('ticks off an item to deliver by its item id', async () => {
    const actions = spies();
    const { container } = render(ActionQueue, { board: board({ tab: [tabItem({ item_id: 'it-9' })] }), now: T0, actions });
    await fireEvent.click(item(container, '[data-item-id="it-9"] button'));
    expect(actions.delivered).toHaveBeenCalledWith('it-9');
  });
});
