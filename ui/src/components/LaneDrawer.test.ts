import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BoardView } from '../lib/bindings/BoardView';
import type { EventRow } from '../lib/bindings/EventRow';
import { UI_CONSTANTS } from '../lib/bindings/constants';
import Board from '../routes/Board.svelte';
import { at, board, lane, tabItem } from '../test/fixtures';

const XSS = '<img src=x onerror=alert(1)>';

afterEach(() => {
  cleanup();
  clearMocks();
  vi.unstubAllGlobals();
});

function event(over: Partial<EventRow>): EventRow {
  return {
    id: 1,
    delivery_id: null,
    at: at(-60),
    source: 'action_target',
    origin: 'webhook',
    type: 'sessionCreated',
    known: true,
    lane_id: 'L1',
    session_id: 'S1',
    subject: null,
    vendor_time: null,
    data: {},
    ...over,
  };
}

const running = (): BoardView =>
  board({
    lanes: [
      lane({ lane_id: 'L1', name: 'Lane 1', state: 'active', session_id: 'S1', customer_name: 'Ada', minutes_remaining: 30 }),
      lane({ lane_id: 'L2', name: 'Lane 2' }),
    ],
    sessions: [
      {
        session_id: 'S1',
        lane_id: 'L1',
        state: 'active',
        customer_name: 'Ada',
        duration: 60,
        minutes_remaining: 30,
        began_at: at(-1800),
        carrier_hits: 2,
      },
    ],
    tab: [
      tabItem({ item_id: 'I1', session_id: 'S1', lane_id: 'L1', name: 'Paper targets', qty: 3, unit_price_cents: 150, total_cents: 450 }),
      tabItem({ item_id: 'I2', session_id: 'S1', lane_id: 'L1', name: 'Lane time', product_type: 'time', qty: 30, unit_price_cents: 50, total_cents: 1500, to_deliver: false }),
    ],
  });

type Answer = (cmd: string, args: Record<string, unknown>) => unknown;

/** The window: `b` for `board`, `answer` for anything else; every call recorded. */
function desktop(b: BoardView, answer: Answer = () => ({})) {
  const calls: Array<[string, Record<string, unknown>]> = [];
  mockIPC(
    (cmd, args) => {
      const a = (args ?? {}) as Record<string, unknown>;
      calls.push([cmd, a]);
      if (cmd === 'board') return b;
      if (cmd === 'events') return { items: [], next_before: null };
      return answer(cmd, a);
    },
    { shouldMockEvents: true },
  );
  return calls;
}

async function openLane(container: HTMLElement, id: string) {
  await waitFor(() => expect(container.querySelector(`[data-lane-id="${id}"]`)).not.toBeNull());
  const tile = container.querySelector<HTMLElement>(`[data-lane-id="${id}"]`) as HTMLElement;
  await fireEvent.click(tile);
  return { tile, dialog: await screen.findByRole('dialog') };
}

describe('Lane drawer', () => {
  it('opens from a tile by click, Enter or Space, and Escape closes it and gives focus back', async () => {
    desktop(running());
    const { container } = render(Board);
    const { tile, dialog } = await openLane(container, 'L1');
    expect(within(dialog).getByRole('heading', { level: 2 }).textContent).toBe('Lane 1');
    expect(screen.getByRole('dialog', { name: 'Lane 1' })).toBe(dialog);
    // Tab keeps to the drawer: from its last control back to its first, and the other way.
    const controls = [...dialog.querySelectorAll<HTMLElement>('button')];
    controls.at(-1)?.focus();
    await fireEvent.keyDown(window, { key: 'Tab' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Close lane drawer' }));
    await fireEvent.keyDown(window, { key: 'Tab', shiftKey: true });
    expect(document.activeElement).toBe(controls.at(-1));
    await fireEvent.keyDown(window, { key: 'Escape' });
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    expect(document.activeElement).toBe(tile);
    await fireEvent.keyDown(tile, { key: 'Enter' });
    expect(await screen.findByRole('dialog', { name: 'Lane 1' })).toBeTruthy();
    await fireEvent.click(screen.getByRole('button', { name: 'Close lane drawer' }));
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull());
    const free = container.querySelector<HTMLElement>('[data-lane-id="L2"]') as HTMLElement;
    await fireEvent.keyDown(free, { key: ' ' });
    expect(await screen.findByRole('dialog', { name: 'Lane 2' })).toBeTruthy();
  });

  it('shows the session, its tab with prices and total, and ticks off an item over IPC', async () => {
    const calls = desktop(running());
    const { container } = render(Board);
    const { dialog } = await openLane(container, 'L1');
    const d = within(dialog);
    expect(d.getByText('Ada')).toBeTruthy();
    expect(d.getByText('60 min')).toBeTruthy();
    const tab = within(d.getByRole('table'));
    expect(tab.getByText('Paper targets')).toBeTruthy();
    expect(tab.getByText('4.50')).toBeTruthy();
    expect(tab.getByText('19.50'), 'the total of both lines').toBeTruthy();
    await fireEvent.click(d.getByRole('button', { name: 'Delivered: Paper targets' }));
    expect(calls).toContainEqual(['tick_off', { item_id: 'I1' }]);
  });

  it('extends, shortens and (after confirming) stops the session over IPC', async () => {
    const calls = desktop(running());
    const { container } = render(Board);
    const { dialog } = await openLane(container, 'L1');
    const d = within(dialog);
    await fireEvent.click(d.getByRole('button', { name: 'Add 15 minutes' }));
    await waitFor(() => expect(calls).toContainEqual(['modify_session', { session_id: 'S1', minutes: 15 }]));
    await fireEvent.click(d.getByRole('button', { name: 'Remove 5 minutes' }));
    await waitFor(() => expect(calls).toContainEqual(['modify_session', { session_id: 'S1', minutes: -5 }]));
    await fireEvent.click(d.getByRole('button', { name: 'Stop session' }));
    expect(calls.some(([c]) => c === 'stop_session'), 'one click only asks to confirm').toBe(false);
    await fireEvent.click(d.getByRole('button', { name: 'Confirm stop' }));
    await waitFor(() => expect(calls).toContainEqual(['stop_session', { session_id: 'S1' }]));
  });

  it('starts a session on a free lane and says in words why Action Target refused', async () => {
    const calls = desktop(running(), (cmd) => {
      if (cmd === 'start_session') throw { code: 'conflict', message: 'the lane already has a session' };
      return {};
    });
    const { container } = render(Board);
    await waitFor(() => expect(container.querySelector('[data-lane-id="L2"]')).not.toBeNull());
    await fireEvent.click(container.querySelector('[data-lane-id="L2"]') as HTMLElement);
    const d = within(await screen.findByRole('dialog', { name: 'Lane 2' }));
    const form = within(d.getByRole('form', { name: 'Start a session' }));
    await fireEvent.input(form.getByLabelText('Customer name'), { target: { value: '  Grace ' } });
    await fireEvent.input(form.getByLabelText('Minutes'), { target: { value: '45' } });
    await fireEvent.click(form.getByLabelText('Lane purchases allowed'));
    expect(form.getByRole('button', { name: 'Start session' }).getAttribute('type')).toBe('submit');
    // jsdom does not submit a form from its button's click; a browser does, and Enter in a field too.
    await fireEvent.submit(d.getByRole('form', { name: 'Start a session' }));
    await waitFor(() =>
      expect(calls).toContainEqual([
        'start_session',
        { session: { lane_id: 'L2', customer_name: 'Grace', duration: 45, enable_purchasing: false, by: null } },
      ]),
    );
    expect((await d.findByRole('alert')).textContent).toBe('Cannot start: the lane already has a session');
  });

  it('takes no more name or minutes than the core accepts for a new session', async () => {
    desktop(running());
    const { container } = render(Board);
    const { dialog } = await openLane(container, 'L2');
    const form = within(within(dialog).getByRole('form', { name: 'Start a session' }));
    // A longer name would only come back refused: `customer_name` must be 1 to 60 characters.
    expect((form.getByLabelText('Customer name') as HTMLInputElement).maxLength).toBe(UI_CONSTANTS.max_customer_name_chars);
    expect((form.getByLabelText('Minutes') as HTMLInputElement).max).toBe(String(UI_CONSTANTS.max_session_minutes));
  });

  it('shows the session’s timeline newest first, as text, and reads it again when the board moves', async () => {
    let b = running();
    let served: EventRow[] = [
      event({ id: 3, type: 'help', at: at(-10) }),
      event({ id: 2, type: XSS, known: false, at: at(-20) }),
      event({ id: 1, type: 'sessionCreated', at: at(-30) }),
    ];
    const queries: unknown[] = [];
    mockIPC(
      (cmd, args) => {
        if (cmd === 'board') return b;
        if (cmd === 'events') {
          queries.push((args as { query: unknown }).query);
          return { items: served, next_before: null };
        }
        return {};
      },
      { shouldMockEvents: true },
    );
    const { container } = render(Board);
    const { dialog } = await openLane(container, 'L1');
    const list = within(dialog).getByRole('list', { name: 'Events, newest first' });
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(3));
    expect(queries[0]).toEqual({ session: 'S1', limit: 50 });
    const items = within(list).getAllByRole('listitem');
    expect(items.map((li) => li.dataset.eventId)).toEqual(['3', '2', '1']);
    expect(items[0].textContent).toContain('Help called');
    expect(items[1].textContent).toContain(XSS);
    expect(dialog.querySelector('img')).toBeNull();
    served = [event({ id: 4, type: 'carrierHit', at: at(-1) }), ...served];
    b = { ...b, last_event_id: 4 };
    await emit('board-changed', 4);
    await waitFor(() => expect(within(list).getAllByRole('listitem')).toHaveLength(4));
    expect(within(list).getAllByRole('listitem')[0].textContent).toContain('Carrier hit');
  });
});

describe('Lane drawer in a browser', () => {
  it('posts start, modify and stop to the documented paths', async () => {
    const b = running();
    const posted: Array<[string, string | undefined, unknown]> = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        posted.push([url, init?.method, init?.body ? JSON.parse(String(init.body)) : undefined]);
        if (url.startsWith('/api/events')) return new Response(JSON.stringify({ items: [], next_before: null }));
        if (url === '/api/sessions/S1/stop') return new Response(JSON.stringify({ error: 'Action Target refused the key', code: 'upstream' }), { status: 502 });
        return new Response(JSON.stringify(url === '/api/board' ? b : {}), { status: 200 });
      }),
    );
    class FakeSource {
      static CLOSED = 2;
      readyState = 1;
      onerror: (() => void) | null = null;
      addEventListener(name: string, f: (e: MessageEvent) => void) {
        if (name === 'board') queueMicrotask(() => f(new MessageEvent('board', { data: JSON.stringify(b) })));
      }
      close() {}
    }
    vi.stubGlobal('EventSource', FakeSource);
    delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    const { container } = render(Board);
    const { dialog } = await openLane(container, 'L1');
    const d = within(dialog);
    await waitFor(() => expect(posted.some(([u]) => u === '/api/events?session=S1&limit=50')).toBe(true));
    await fireEvent.click(d.getByRole('button', { name: 'Add 5 minutes' }));
    await waitFor(() => expect(posted).toContainEqual(['/api/sessions/S1/modify', 'POST', { minutes: 5 }]));
    await fireEvent.click(d.getByRole('button', { name: 'Stop session' }));
    await fireEvent.click(d.getByRole('button', { name: 'Confirm stop' }));
    expect((await d.findByText(/Cannot stop/)).textContent).toBe('Cannot stop: Action Target refused the key');
  });
});

describe('keyboard order on the board', () => {
  it('reaches the action queue before the lane tiles', async () => {
    desktop(board({ lanes: [lane()], help: [{ help_id: 1, session_id: null, lane_id: 'L1', raised_at: at(-5), acknowledged_at: null, acknowledged_by: null }] }));
    const { container } = render(Board);
    await waitFor(() => expect(container.querySelector('li[data-help-id]')).not.toBeNull());
    const item = container.querySelector('li[data-help-id]') as HTMLElement;
    const tile = container.querySelector('[data-lane-id]') as HTMLElement;
    expect(item.compareDocumentPosition(tile) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });
});
