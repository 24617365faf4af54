// What the action queue can do, and which key does it. The queue calls these; the Board wires
// them to the API, so the queue's tests can count calls without any transport.

export type QueueActions = {
  acknowledge: (helpId: number) => Promise<unknown>;
  resolve: (helpId: number) => Promise<unknown>;
  approve: (traceId: string) => Promise<unknown>;
  decline: (traceId: string, userMessage: string) => Promise<unknown>;
  delivered: (itemId: string) => Promise<unknown>;
};

export type QueueKey = 'primary' | 'decline' | 'resolve' | 'next' | 'previous';

/**
 * The action a key asks of the focused item: Enter or A approves a purchase or acknowledges a
 * help call, D declines, R resolves; arrows move between items. Modifiers are left to the browser.
 */
export function keyAction(e: Pick<KeyboardEvent, 'key' | 'ctrlKey' | 'metaKey' | 'altKey'>): QueueKey | null {
  if (e.ctrlKey || e.metaKey || e.altKey) return null;
  switch (e.key) {
    case 'Enter':
    case 'a':
    case 'A':
      return 'primary';
    case 'd':
    case 'D':
      return 'decline';
    case 'r':
    case 'R':
      return 'resolve';
    case 'ArrowDown':
    case 'j':
      return 'next';
    case 'ArrowUp':
    case 'k':
      return 'previous';
    default:
      return null;
  }
}
