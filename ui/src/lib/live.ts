// Screens that list what the core stores (today's visits, the activity feed, the delivery log)
// follow the board's pushes: every stored event moves the board's `last_event_id`, so a new one
// means "read again". Bursts are read once (at most every `MIN_GAP_MS`), and a slow poll catches
// what changes no board, such as a refused delivery.
import { followBoard } from './api';

const MIN_GAP_MS = 1000;

export type Follow = { pollMs?: number };

/** Calls `reload` now, after each change of the board, and every `pollMs`. Returns the stop. */
export function followChanges(reload: () => Promise<unknown> | void, { pollMs = 5000 }: Follow = {}): () => void {
  let lastSeen: number | null = null;
  let running = false;
  let pending = false;
  let lastRun = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;

  async function run() {
    if (running) {
      pending = true;
      return;
    }
    running = true;
    lastRun = Date.now();
    try {
      await reload();
    } catch {
      // The screen shows its own problem line; the next change or poll tries again.
    } finally {
      running = false;
      if (pending) {
        pending = false;
        soon();
      }
    }
  }

  function soon() {
    if (timer !== undefined) return;
    const wait = Math.max(0, lastRun + MIN_GAP_MS - Date.now());
    timer = setTimeout(() => {
      timer = undefined;
      run();
    }, wait);
  }

  run();
  const stopFeed = followBoard({
    onBoard: (b) => {
      if (lastSeen !== null && b.last_event_id !== lastSeen) soon();
      lastSeen = b.last_event_id;
    },
    onConnected: () => {},
  });
  const poll = setInterval(soon, pollMs);
  return () => {
    stopFeed();
    clearInterval(poll);
    clearTimeout(timer);
  };
}
