import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { emit } from '@tauri-apps/api/event';
import { cleanup, fireEvent, render, screen } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { BoardView } from '../lib/bindings/BoardView';
import { at, board, help, lane, purchase, tabItem } from '../test/fixtures';
import Board from './Board.svelte';

const XSS = '<img src=x onerror=alert(1)><script>alert(2)</script>';

afterEach(() => {
  // Unmount first: the board stops listening while the IPC mock is still there to hear it.
  cleanup();
  clearMocks();
  vi.unstubAllGlobals();
});

/** Serves `b` to the window's `board` command and records every other command. */
function desktop(b: BoardView) {
  const calls: Array<[string, unknown]> = [];
  served = b;
  mockIPC(
    (cmd, args) => {
      calls.push([cmd, args]);
      if (cmd === 'board') return served;
      return {};
    },
    { shouldMockEvents: true },
  );
  return calls;
}

let served: BoardView;

/** What the app does after a change: the board it now serves, and the notice with its last id. */
async function push(next: BoardView) {
  served = next;
  await emit('board-changed', next.last_event_id);
}

function laneIds(container: HTMLElement): string[][] {
  return [...container.querySelectorAll('section.bay')].map((bay) =>
    [...bay.querySelectorAll<HTMLElement>('[data-lane-id]')].map((t) => t.dataset.laneId ?? ''),
  );
}

describe('Board in the desktop window', () => {
  it('tells the app once, after a frame, that the first board with lanes is on screen', async () => {
    const calls = desktop(board({ lanes: [lane({ lane_id: '1', name: 'Lane 1' })] }));
    render(Board);
    await screen.findByText('Lane 1');
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await push(board({ last_event_id: 99, lanes: [lane({ lane_id: '1', name: 'Lane 1' })] }));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    await vi.waitFor(() => expect(calls.filter(([cmd]) => cmd === 'board_painted')).toHaveLength(1));
  });

  it('reads the vendor chips’ API health alone, never the whole status (it counts every delivery)', async () => {
    const calls = desktop(board({ lanes: [lane({ lane_id: '1', name: 'Lane 1' })] }));
    render(Board);
    await screen.findByText('Lane 1');
    await vi.waitFor(() => expect(calls.some(([cmd]) => cmd === 'api_health')).toBe(true));
    expect(calls.some(([cmd]) => cmd === 'status')).toBe(false);
    // Let the first-paint call land here rather than in the next test's mock.
    await vi.waitFor(() => expect(calls.some(([cmd]) => cmd === 'board_painted')).toBe(true));
  });

  it('waits for lanes before it says the board is painted', async () => {
    const calls = desktop(board({ lanes: [] }));
    render(Board);
    await vi.waitFor(() => expect(calls.some(([cmd]) => cmd === 'board')).toBe(true));
    await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => requestAnimationFrame(() => r(null)));
    expect(calls.some(([cmd]) => cmd === 'board_painted')).toBe(false);
  });

  it('groups lanes by bay in the vendor’s display order', async () => {
    desktop(
      board({
        lanes: [
          lane({ lane_id: '1', name: 'Lane 1', bay_id: 'A', bay: 'Bay A' }),
          lane({ lane_id: '2', name: 'Lane 2', bay_id: 'B', bay: 'Bay B' }),
          lane({ lane_id: '3', name: 'Lane 3', bay_id: 'A', bay: 'Bay A' }),
        ],
      }),
    );
    const { container } = render(Board);
    await screen.findByText('Lane 3');
    expect([...container.querySelectorAll('section.bay h2')].map((h) => h.textContent)).toEqual(['Bay A', 'Bay B']);
    expect(laneIds(container)).toEqual([['1', '3'], ['2']]);
  });

  it('reads the board again on each board-changed notice the app pushes, and shows the ceasefire', async () => {
    const first = board({ lanes: [lane({ name: 'Lane 1' })] });
    desktop(first);
    render(Board);
    await screen.findByText('Free');
    await push({
      ...first,
      last_event_id: 2,
      ceasefire: true,
      lanes: [lane({ name: 'Lane 1', state: 'paused', minutes_remaining: 20 })],
    });
    expect(await screen.findByText('Paused')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('CEASEFIRE');
  });

  it('never steps back to an older board of the same run, but takes a new run whose ids begin lower', async () => {
    const first = board({ last_event_id: 50, lanes: [lane({ name: 'Lane 1' })] });
    desktop(first);
    render(Board);
    await screen.findByText('Free');
    // A late answer of the same run, older than what is shown: ignored.
    await push({ ...first, last_event_id: 40, lanes: [lane({ name: 'Lane 1', state: 'paused' })] });
    await push({ ...first, last_event_id: 51 });
    expect(screen.queryByText('Paused')).toBeNull();
    // A restart on another store (a restored backup, a fresh demo): its first board has id 3.
    await push({ ...first, run: 'run-2', last_event_id: 3, lanes: [lane({ name: 'Lane 1', state: 'paused', minutes_remaining: 20 })] });
    expect(await screen.findByText('Paused')).toBeTruthy();
  });

  it('approves over IPC with the purchase’s trace id and shows a refusal without blocking', async () => {
    const calls: Array<[string, unknown]> = [];
    mockIPC(
      (cmd, args) => {
        calls.push([cmd, args]);
        if (cmd === 'board') return board({ purchases: [purchase({ trace_id: 'tr-1', deadline: at(20) })] });
        if (cmd === 'decide_purchase') throw { code: 'conflict', message: 'the purchase tr-1 was already answered' };
      },
      { shouldMockEvents: true },
    );
    const { container } = render(Board);
    await screen.findByText('Approve');
    await fireEvent.click(container.querySelector('[data-trace-id="tr-1"] .primary') as HTMLElement);
    expect(calls).toContainEqual(['decide_purchase', { trace_id: 'tr-1', approve: true, user_message: null }]);
    expect(await screen.findByText(/already answered/)).toBeTruthy();
  });
});

describe('Board warnings', () => {
  it('says when Action Target is not answering and the board is the last known state', async () => {
    desktop(board({ stale: true }));
    render(Board);
    expect(await screen.findByText(/Action Target is not answering/)).toBeTruthy();
  });
});

describe('Board in a browser', () => {
  it('reads /api/board, follows /api/stream and posts actions to the documented paths', async () => {
    const b = board({ help: [help({ help_id: 5 })] });
    const fetched: Array<[string, RequestInit | undefined]> = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (url: string, init?: RequestInit) => {
        fetched.push([url, init]);
        return new Response(JSON.stringify(url === '/api/board' ? b : {}), { status: 200 });
      }),
    );
    const streams: FakeSource[] = [];
    class FakeSource {
      static CLOSED = 2;
      readyState = 1;
      onerror: (() => void) | null = null;
      listeners = new Map<string, (e: MessageEvent) => void>();
      constructor(readonly url: string) {
        streams.push(this);
      }
      addEventListener(name: string, f: (e: MessageEvent) => void) {
        this.listeners.set(name, f);
      }
      close() {}
    }
    vi.stubGlobal('EventSource', FakeSource);
    // A browser has no Tauri internals; earlier tests' IPC mock leaves its object behind.
    delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    const { container } = render(Board);
    expect(streams[0].url).toBe('/api/stream');
    // The stream's first message is the whole board: a reconnect resyncs the same way.
    streams[0].listeners.get('board')?.(new MessageEvent('board', { data: JSON.stringify(b) }));
    await screen.findByText('Acknowledge');
    await fireEvent.click(container.querySelector('[data-help-id="5"] .primary') as HTMLElement);
    expect(fetched.map(([u, i]) => [u, i?.method])).toContainEqual(['/api/help/5/ack', 'POST']);
    // A dropped stream is said on screen; times keep counting from the last board.
    vi.useFakeTimers();
    streams[0].onerror?.();
    // A routine reconnect says nothing; a feed still down after 3 s is said on screen.
    await vi.advanceTimersByTimeAsync(2000);
    expect(screen.queryByText(/Connection to rangedesk lost/)).toBeNull();
    await vi.advanceTimersByTimeAsync(1500);
    expect(screen.getByText(/Connection to rangedesk lost/)).toBeTruthy();
    vi.useRealTimers();
  });
});

describe('vendor text on the board', () => {
  it('shows markup in every vendor field as text and runs none of it', async () => {
    desktop(
      board({
        lanes: [
          lane({ lane_id: 'L1', name: XSS, bay: XSS, customer_name: XSS, state: 'active', minutes_remaining: 9 }),
          lane({ lane_id: 'L2', name: 'Lane 2', bay_id: XSS, bay: null, known: false }),
        ],
        help: [help({ help_id: 3, lane_id: XSS })],
        purchases: [purchase({ trace_id: XSS, lane_id: XSS, items: [{ id: XSS, qty: 1, display_name: XSS, product_type: XSS }] })],
        tab: [tabItem({ item_id: XSS, name: XSS, lane_id: XSS })],
      }),
    );
    const { container } = render(Board);
    await screen.findAllByText(XSS);
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    // Each field appears as its literal text.
    const text = container.textContent ?? '';
    expect(text).toContain(`1 × ${XSS}`);
    // Lane name, bay name, customer, and the raw lane ids of the help call and purchase in the queue.
    expect(screen.getAllByText(XSS).length).toBeGreaterThanOrEqual(5);
    expect(container.querySelector('[data-help-id="3"] .lane')?.textContent).toBe(XSS);
    // Ids reach attributes as values: still the same string, no element made of them.
    const traced = [...container.querySelectorAll<HTMLElement>('[data-trace-id]')].map((el) => el.dataset.traceId);
    expect(traced).toEqual([XSS]);
    expect(container.querySelector<HTMLElement>('[data-item-id]')?.dataset.itemId).toBe(XSS);
  });
});
