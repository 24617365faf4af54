// The UI's one API client, with two transports chosen per call: inside the desktop window, the
// IPC commands of src-tauri/src/commands.rs and the `board-changed` event; in a browser served by
// the core's board listener, `fetch` on `/api/...` and Server-Sent Events on `/api/stream`. Both
// reach the same core functions, so screens never know which one they use. Every type comes from
// the Rust structs through ts-rs (./bindings); none is declared here by hand.
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { ApiError } from './bindings/ApiError';
import type { BoardView } from './bindings/BoardView';
import type { DeliveryQuery } from './bindings/DeliveryQuery';
import type { DeliveryRow } from './bindings/DeliveryRow';
import type { EventQuery } from './bindings/EventQuery';
import type { EventRow } from './bindings/EventRow';
import type { HookUrls } from './bindings/HookUrls';
import type { Page } from './bindings/Page';
import type { SessionView } from './bindings/SessionView';
import type { StartSession } from './bindings/StartSession';
import type { Status } from './bindings/Status';
import type { VisitsView } from './bindings/VisitsView';

export type { ApiError, BoardView, DeliveryRow, EventRow, HookUrls, Page, SessionView, StartSession, Status, VisitsView };

/** The Tauri event the window's push task emits (src-tauri/src/push.rs). */
export const BOARD_CHANGED = 'board-changed';

/** True inside the desktop window; read per call, as tests install their IPC mock late. */
export function inWindow(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** A refusal from the browser API (`{error, code}`), thrown with the same fields as an IPC error. */
export class HttpFailure extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
    /** The refusal's whole JSON body, for the fields some refusals add (`key`, `rule`, `index`). */
    readonly body: unknown = null,
  ) {
    super(message);
  }
}

/**
 * One call to the browser API. A change (POST, PUT) always goes as JSON, `{}` at least: the board
 * takes writes as same-origin JSON only, which a page on another site cannot send.
 */
export async function http<T>(method: 'GET' | 'POST' | 'PUT', path: string, body?: unknown): Promise<T> {
  const writes = method !== 'GET';
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: writes ? { 'content-type': 'application/json' } : undefined,
      body: writes ? JSON.stringify(body ?? {}) : undefined,
      credentials: 'same-origin',
    });
  } catch (e) {
    throw new HttpFailure(`cannot reach rangedesk: ${String(e)}`, 'network', 0);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: report the status, never the page.
  }
  if (!res.ok) {
    const o = (json ?? {}) as { error?: unknown; code?: unknown };
    const message = typeof o.error === 'string' ? o.error : `${res.status} ${res.statusText}`;
    throw new HttpFailure(message, typeof o.code === 'string' ? o.code : `http_${res.status}`, res.status, json);
  }
  return json as T;
}

function query(q: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== null && v !== undefined) params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

const seg = encodeURIComponent;

// Status screen.

export function hookUrls(): Promise<HookUrls> {
  if (!inWindow()) return Promise.reject(new HttpFailure('webhook URLs are shown in the desktop window only', 'forbidden', 0));
  return invoke<HookUrls>('hook_urls');
}

export function status(): Promise<Status> {
  return inWindow() ? invoke<Status>('status') : http('GET', '/api/status');
}

export function deliveries(q: Partial<DeliveryQuery> = {}): Promise<Page<DeliveryRow>> {
  return inWindow() ? invoke('deliveries', { query: q }) : http('GET', `/api/deliveries${query(q)}`);
}

export function events(q: Partial<EventQuery> = {}): Promise<Page<EventRow>> {
  return inWindow() ? invoke('events', { query: q }) : http('GET', `/api/events${query(q)}`);
}

// Board.

export function board(): Promise<BoardView> {
  return inWindow() ? invoke<BoardView>('board') : http('GET', '/api/board');
}

export function acknowledgeHelp(helpId: number): Promise<unknown> {
  return inWindow() ? invoke('acknowledge_help', { help_id: helpId }) : http('POST', `/api/help/${helpId}/ack`);
}

export function resolveHelp(helpId: number): Promise<unknown> {
  return inWindow() ? invoke('resolve_help', { help_id: helpId }) : http('POST', `/api/help/${helpId}/resolve`);
}

export function approvePurchase(traceId: string): Promise<unknown> {
  return inWindow()
    ? invoke('decide_purchase', { trace_id: traceId, approve: true, user_message: null })
    : http('POST', `/api/purchases/${seg(traceId)}/approve`);
}

export function declinePurchase(traceId: string, userMessage?: string): Promise<unknown> {
  return inWindow()
    ? invoke('decide_purchase', { trace_id: traceId, approve: false, user_message: userMessage ?? null })
    : http('POST', `/api/purchases/${seg(traceId)}/decline`, userMessage ? { user_message: userMessage } : {});
}

export function tickOff(itemId: string): Promise<unknown> {
  return inWindow() ? invoke('tick_off', { item_id: itemId }) : http('POST', `/api/tab/${seg(itemId)}/delivered`);
}

// Lane drawer: sessions through Action Target.

export function startSession(s: Omit<StartSession, 'by'>): Promise<SessionView> {
  const session: StartSession = { ...s, by: null };
  return inWindow() ? invoke<SessionView>('start_session', { session }) : http('POST', '/api/sessions', session);
}

/** Adds `minutes` to a session; negative shortens it. */
export function modifySession(sessionId: string, minutes: number): Promise<unknown> {
  return inWindow()
    ? invoke('modify_session', { session_id: sessionId, minutes })
    : http('POST', `/api/sessions/${seg(sessionId)}/modify`, { minutes });
}

export function stopSession(sessionId: string): Promise<unknown> {
  return inWindow() ? invoke('stop_session', { session_id: sessionId }) : http('POST', `/api/sessions/${seg(sessionId)}/stop`);
}

// Today's bookings, check-ins and scans.

/** `day` as `YYYY-MM-DD` in the range's time zone; today when omitted. */
export function visits(day?: string): Promise<VisitsView> {
  return inWindow() ? invoke<VisitsView>('visits', { day: day ?? null }) : http('GET', `/api/visits${query({ day })}`);
}

export type BoardFeed = {
  /** Each whole board as it changes; the first one resyncs after a (re)connect. */
  onBoard: (board: BoardView) => void;
  /** False while the live feed is down (the browser's EventSource is reconnecting). */
  onConnected: (connected: boolean) => void;
};

/** How long a browser waits before opening a stream the server closed for good. */
const REOPEN_MS = 3000;

/** Follows the board: the current one at once, then every change. Returns the unsubscribe. */
export function followBoard(feed: BoardFeed): () => void {
  return inWindow() ? followOverIpc(feed) : followOverSse(feed);
}

function followOverIpc(feed: BoardFeed): () => void {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  // Listen first, then read: a change between the two is then never missed.
  listen<BoardView>(BOARD_CHANGED, (e) => feed.onBoard(e.payload))
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
      return board();
    })
    .then((b) => {
      if (!stopped) {
        feed.onBoard(b);
        feed.onConnected(true);
      }
    })
    .catch(() => feed.onConnected(false));
  return () => {
    stopped = true;
    unlisten?.();
  };
}

function followOverSse(feed: BoardFeed): () => void {
  let source: EventSource | null = null;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // Said once per change: while the server is away the browser retries (and errs) every half
  // second, and each repeat would restart the page's grace before "connection lost" for ever.
  let up: boolean | null = null;
  const connected = (now: boolean) => {
    if (now !== up) feed.onConnected((up = now));
  };
  const open = () => {
    source = new EventSource('/api/stream');
    source.addEventListener('board', (e) => {
      connected(true);
      feed.onBoard(JSON.parse((e as MessageEvent<string>).data) as BoardView);
    });
    source.onerror = () => {
      connected(false);
      // The browser retries by itself unless the server refused the stream outright.
      if (source?.readyState === EventSource.CLOSED) {
        source.close();
        timer = setTimeout(open, REOPEN_MS);
      }
    };
  };
  open();
  return () => {
    clearTimeout(timer);
    source?.close();
  };
}

/** The stable `code` of an error from the core, or `ipc` when the call itself failed. */
export function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err) {
    return String((err as ApiError).code);
  }
  return 'ipc';
}

/** A one-line description of any rejection, for the status line. */
export function errorMessage(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'message' in err) {
    return String((err as ApiError).message);
  }
  return String(err);
}
