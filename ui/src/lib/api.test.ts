import { afterEach, describe, expect, it, vi } from 'vitest';
import * as api from './api';

afterEach(() => vi.unstubAllGlobals());

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
