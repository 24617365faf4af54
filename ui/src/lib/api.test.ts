import { emit } from '@tauri-apps/api/event';
import { clearMocks, mockIPC } from '@tauri-apps/api/mocks';
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import * as api from './api';
import type { HelpView } from './bindings/HelpView';
import type { Picture } from './bindings/Picture';
import type { Product } from './bindings/Product';
import type { PurchaseView } from './bindings/PurchaseView';
import type { Resolved } from './bindings/Resolved';
import type { SessionView } from './bindings/SessionView';
import type { SettingsChanged } from './bindings/SettingsChanged';
import type { SettingsSection } from './bindings/SettingsSection';
import type { SettingsView } from './bindings/SettingsView';
import type { TabItemView } from './bindings/TabItemView';
import type { TestDeliveryResult } from './bindings/TestDeliveryResult';

afterEach(() => {
  clearMocks();
  vi.unstubAllGlobals();
});

/** A browser: no Tauri internals, and a fetch that answers `status` with `body`. */
function browser(status: number, body: unknown) {
  delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
  const calls: Array<[string, RequestInit | undefined]> = [];
  vi.stubGlobal(
    'fetch',
    vi.fn(async (url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return new Response(JSON.stringify(body), { status });
    }),
  );
  return calls;
}

describe('the browser transport', () => {
  it('declines with the message as JSON, and escapes vendor ids in the path', async () => {
    const calls = browser(200, {});
    await api.declinePurchase('a/b?c', 'Please come to the desk');
    expect(calls[0][0]).toBe('/api/purchases/a%2Fb%3Fc/decline');
    expect(calls[0][1]?.method).toBe('POST');
    expect(JSON.parse(String(calls[0][1]?.body))).toEqual({ user_message: 'Please come to the desk' });
  });

  it('sends every change as JSON, {} at least, since the board takes nothing else', async () => {
    const calls = browser(200, {});
    await api.acknowledgeHelp(7);
    await api.approvePurchase('T1');
    await api.stopSession('S1');
    await api.tickOff('I1');
    for (const [path, init] of calls) {
      expect(init?.method, path).toBe('POST');
      expect((init?.headers as Record<string, string>)['content-type'], path).toBe('application/json');
      expect(init?.body, path).toBe('{}');
    }
    await api.board();
    expect(calls[4][1]?.body, 'a read sends no body').toBeUndefined();
  });

  it('turns a refusal {error, code} into a message staff can read and a code to switch on', async () => {
    browser(409, { error: 'the purchase T1 was already answered', code: 'conflict' });
    const err = await api.approvePurchase('T1').catch((e: unknown) => e);
    expect(api.errorMessage(err)).toBe('the purchase T1 was already answered');
    expect(api.errorCode(err)).toBe('conflict');
  });

  it('says the status when a proxy answers with a page instead of JSON', async () => {
    delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    vi.stubGlobal('fetch', vi.fn(async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' })));
    const err = await api.tickOff('I1').catch((e: unknown) => e);
    expect(api.errorMessage(err)).toBe('502 Bad Gateway');
    expect(api.errorCode(err)).toBe('http_502');
  });
});

describe('the window live feed', () => {
  it('reads the board once per notice, and once more for every notice during a read', async () => {
    let reads = 0;
    let release: () => void = () => {};
    mockIPC(
      (cmd) => {
        if (cmd !== 'board') return {};
        reads += 1;
        const id = reads;
        // The second read is slow: notices meanwhile must not each start a read of their own.
        return id === 2 ? new Promise((r) => (release = () => r({ last_event_id: id }))) : { last_event_id: id };
      },
      { shouldMockEvents: true },
    );
    const seen: number[] = [];
    const stop = api.followBoard({ onBoard: (b) => seen.push(b.last_event_id), onConnected: () => {} });
    await vi.waitFor(() => expect(seen).toEqual([1]));
    await emit('board-changed', 2);
    await vi.waitFor(() => expect(reads).toBe(2));
    for (let i = 3; i < 8; i++) await emit('board-changed', i);
    expect(reads).toBe(2);
    release();
    await vi.waitFor(() => expect(seen).toEqual([1, 2, 3]));
    expect(reads).toBe(3);
    stop();
  });
});

describe('the browser live feed', () => {
  /** The browser's EventSource as far as the feed uses it; jsdom has none. */
  class FakeSource {
    static last: FakeSource;
    static readonly CLOSED = 2;
    readyState = 0;
    onerror: (() => void) | null = null;
    listeners = new Map<string, (e: MessageEvent<string>) => void>();
    constructor(readonly url: string) {
      FakeSource.last = this;
    }
    addEventListener(name: string, f: (e: MessageEvent<string>) => void) {
      this.listeners.set(name, f);
    }
    close() {}
  }

  it('says it is down once however often the browser retries, and up again once', () => {
    delete (globalThis as { __TAURI_INTERNALS__?: unknown }).__TAURI_INTERNALS__;
    vi.stubGlobal('EventSource', FakeSource);
    const said: boolean[] = [];
    const stop = api.followBoard({ onBoard: () => {}, onConnected: (c) => said.push(c) });
    const board = () => FakeSource.last.listeners.get('board')?.(new MessageEvent('board', { data: '{"last_event_id":1}' }));
    board();
    for (let i = 0; i < 5; i++) FakeSource.last.onerror?.();
    board();
    board();
    expect(said).toEqual([true, false, true]);
    stop();
  });
});

describe('the calls', () => {
  // Checked by svelte-check (a type error, not a failed assertion): each answer has the generated
  // type of what the core's handler returns, never `unknown`.
  it('each resolves with the generated type of what the core answers', () => {
    expectTypeOf(api.acknowledgeHelp).returns.toEqualTypeOf<Promise<HelpView>>();
    expectTypeOf(api.resolveHelp).returns.toEqualTypeOf<Promise<Resolved>>();
    expectTypeOf(api.approvePurchase).returns.toEqualTypeOf<Promise<PurchaseView>>();
    expectTypeOf(api.declinePurchase).returns.toEqualTypeOf<Promise<PurchaseView>>();
    expectTypeOf(api.tickOff).returns.toEqualTypeOf<Promise<TabItemView>>();
    expectTypeOf(api.modifySession).returns.toEqualTypeOf<Promise<SessionView>>();
    expectTypeOf(api.stopSession).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(api.settings).returns.toEqualTypeOf<Promise<SettingsView>>();
    expectTypeOf(api.changeSettings).parameter(0).toEqualTypeOf<SettingsSection>();
    expectTypeOf(api.changeSettings).returns.toEqualTypeOf<Promise<SettingsChanged>>();
    expectTypeOf(api.sendTestDelivery).returns.toEqualTypeOf<Promise<TestDeliveryResult>>();
    expectTypeOf(api.products).returns.toEqualTypeOf<Promise<Product[]>>();
    expectTypeOf(api.replaceProducts).returns.toEqualTypeOf<Promise<Product[]>>();
    expectTypeOf(api.checkProducts).returns.toEqualTypeOf<Promise<void>>();
    expectTypeOf(api.uploadPicture).returns.toEqualTypeOf<Promise<Picture>>();
  });

  it('stops a session with nothing to read, whichever transport answered', async () => {
    // The window's command answers null, the browser API {session_id, lane_id, stopped}: the
    // board shows the session gone, so neither is passed on.
    mockIPC(() => null);
    expect(await api.stopSession('S1')).toBeUndefined();
    clearMocks();
    browser(200, { session_id: 'S1', lane_id: 'L1', stopped: true });
    expect(await api.stopSession('S1')).toBeUndefined();
  });
});

describe('one error decoding for every call', () => {
  const REFUSED = {
    error: 'board.ageing_red_seconds: must be more than board.ageing_amber_seconds',
    code: 'bad_request',
    key: 'board.ageing_red_seconds',
  };
  const BROKEN = { error: 'T-1: price 1.005 has more than two decimals', code: 'bad_request', rule: 'price_decimals', index: 1 };

  /** The same refusal through the window's IPC and through the browser API. */
  async function both(body: object, call: () => Promise<unknown>): Promise<unknown[]> {
    mockIPC(() => {
      throw body;
    });
    const ipc = await call().catch((e: unknown) => e);
    clearMocks();
    browser(400, body);
    const http = await call().catch((e: unknown) => e);
    return [ipc, http];
  }

  it('reads a settings refusal, with the key at fault, the same over IPC and HTTP', async () => {
    for (const err of await both(REFUSED, () => api.changeSettings('board', { ageing_red_seconds: 30 }))) {
      expect(api.errorMessage(err)).toBe(REFUSED.error);
      expect(api.errorCode(err)).toBe('bad_request');
      expect(api.refusal(err).key).toBe('board.ageing_red_seconds');
    }
  });

  it('reads a catalogue refusal, with its rule and row, the same over IPC and HTTP', async () => {
    for (const err of await both(BROKEN, () => api.checkProducts([]))) {
      const r = api.refusal(err);
      expect([r.message, r.code, r.rule, r.index, r.key]).toEqual([BROKEN.error, 'bad_request', 'price_decimals', 1, null]);
    }
  });

  it('reads an error of a board call ({code, message} over IPC) as its HTTP twin', async () => {
    mockIPC(() => {
      throw { code: 'conflict', message: 'the purchase T1 was already answered' };
    });
    const err = await api.approvePurchase('T1').catch((e: unknown) => e);
    expect([api.errorCode(err), api.errorMessage(err)]).toEqual(['conflict', 'the purchase T1 was already answered']);
    expect([api.refusal(err).key, api.refusal(err).rule, api.refusal(err).index]).toEqual([null, null, null]);
  });
});

describe('the one client', () => {
  // The sources as text, through Vite's `?raw`: what ships, tests aside (they mock the IPC).
  const SOURCES = import.meta.glob(['../**/*.ts', '../**/*.svelte', '!../**/*.test.ts'], {
    query: '?raw',
    import: 'default',
    eager: true,
  }) as Record<string, string>;

  it('is the only code that talks to the window, so no call can bypass its transport or decoding', () => {
    expect(Object.keys(SOURCES).length, 'the glob found the sources').toBeGreaterThan(30);
    const outside = Object.entries(SOURCES)
      .filter(([path, text]) => !path.startsWith('./api/') && text.includes('@tauri-apps/api'))
      .map(([path]) => path);
    expect(outside).toEqual([]);
  });
});
