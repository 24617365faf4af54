// The board: the whole board and its live feed, and what staff do on it (help calls, held
// purchases, the tab, sessions through Action Target). Each answer is what the core's function
// returns (src-tauri/core/src/http/board.rs and src-tauri/src/commands.rs call the same one).
import { invoke } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { BoardView } from '../bindings/BoardView';
import type { HelpView } from '../bindings/HelpView';
import type { PurchaseView } from '../bindings/PurchaseView';
import type { Resolved } from '../bindings/Resolved';
import type { SessionView } from '../bindings/SessionView';
import type { StartSession } from '../bindings/StartSession';
import type { TabItemView } from '../bindings/TabItemView';
import { call, inWindow, seg } from './transport';

/** The Tauri event the window's push task emits (src-tauri/src/push.rs): the new `last_event_id`. */
export const BOARD_CHANGED = 'board-changed';

export function board(): Promise<BoardView> {
  return call({ command: 'board' }, { method: 'GET', path: '/api/board' });
}

/**
 * Tells the desktop app its first board is on screen (it logs the time since its start: the start
 * benchmark reads it). Nothing in a browser; a failure only loses that line.
 */
export function boardPainted(): void {
  if (inWindow()) invoke('board_painted').catch(() => {});
}

export function acknowledgeHelp(helpId: number): Promise<HelpView> {
  return call({ command: 'acknowledge_help', args: { help_id: helpId } }, { method: 'POST', path: `/api/help/${helpId}/ack` });
}

export function resolveHelp(helpId: number): Promise<Resolved> {
  return call({ command: 'resolve_help', args: { help_id: helpId } }, { method: 'POST', path: `/api/help/${helpId}/resolve` });
}

export function approvePurchase(traceId: string): Promise<PurchaseView> {
  return call(
    { command: 'decide_purchase', args: { trace_id: traceId, approve: true, user_message: null } },
    { method: 'POST', path: `/api/purchases/${seg(traceId)}/approve` },
  );
}

export function declinePurchase(traceId: string, userMessage?: string): Promise<PurchaseView> {
  return call(
    { command: 'decide_purchase', args: { trace_id: traceId, approve: false, user_message: userMessage ?? null } },
    { method: 'POST', path: `/api/purchases/${seg(traceId)}/decline`, body: userMessage ? { user_message: userMessage } : {} },
  );
}

export function tickOff(itemId: string): Promise<TabItemView> {
  return call({ command: 'tick_off', args: { item_id: itemId } }, { method: 'POST', path: `/api/tab/${seg(itemId)}/delivered` });
}

// Lane drawer: sessions through Action Target.

export function startSession(s: Omit<StartSession, 'by'>): Promise<SessionView> {
  const session: StartSession = { ...s, by: null };
  return call({ command: 'start_session', args: { session } }, { method: 'POST', path: '/api/sessions', body: session });
}

/** Adds `minutes` to a session; negative shortens it. */
export function modifySession(sessionId: string, minutes: number): Promise<SessionView> {
  return call(
    { command: 'modify_session', args: { session_id: sessionId, minutes } },
    { method: 'POST', path: `/api/sessions/${seg(sessionId)}/modify`, body: { minutes } },
  );
}

/**
 * Stops a session. The answers differ: the window's command gives nothing, the browser API an
 * untyped `{session_id, lane_id, stopped}`; neither is passed on, as the board shows the session gone.
 */
export async function stopSession(sessionId: string): Promise<void> {
  await call<unknown>(
    { command: 'stop_session', args: { session_id: sessionId } },
    { method: 'POST', path: `/api/sessions/${seg(sessionId)}/stop` },
  );
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

/** The shortest and longest gap between two reads of the board during a burst of notices. */
const FRAME_MS = 16;
const MAX_GAP_MS = 250;

/**
 * The window's feed: `board-changed` carries only the new `last_event_id`, and the page reads the
 * board with the `board` command. The board arrives as an IPC answer rather than inside the
 * script Tauri evaluates for an event, which grew the web process by about 35 KB a push
 * (docs/PERFORMANCE.md, issue 14). One read at a time: notices during a read ask for one more.
 */
function followOverIpc(feed: BoardFeed): () => void {
  let stopped = false;
  let unlisten: (() => void) | null = null;
  let reading = false;
  let again = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const read = () => {
    if (stopped) return;
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    const started = performance.now();
    board()
      .then((b) => {
        if (!stopped) {
          feed.onBoard(b);
          feed.onConnected(true);
        }
      })
      .catch(() => {
        if (!stopped) feed.onConnected(false);
      })
      .finally(() => {
        reading = false;
        if (again) {
          // A burst: the next read waits a frame, or ten times what this one took for a big board
          // (as the core's pacer does for the stream), so reading never takes the whole page.
          again = false;
          const spent = performance.now() - started;
          timer = setTimeout(read, Math.min(MAX_GAP_MS, Math.max(FRAME_MS, 10 * spent)));
        }
      });
  };
  // Listen first, then read: a change between the two is then never missed.
  listen<number>(BOARD_CHANGED, () => read())
    .then((stop) => {
      if (stopped) stop();
      else unlisten = stop;
      read();
    })
    .catch(() => feed.onConnected(false));
  return () => {
    stopped = true;
    clearTimeout(timer);
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
