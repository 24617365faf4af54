// What only the desktop window has: the app's own health (single instance) to show as a notice,
// and the `focus-lane` event a click on a desktop notification sends (src-tauri/src/notify.rs).
import * as api from './api';
import type { DesktopStatus } from './bindings/DesktopStatus';
import type { FocusLane } from './bindings/FocusLane';

export type { DesktopStatus, FocusLane };

export const FOCUS_LANE = 'focus-lane';

/** The desktop app's notices; none in a browser. */
export async function desktopNotices(): Promise<string[]> {
  if (!api.inWindow()) return [];
  return (await api.desktopStatus()).notices;
}

/** Calls `onFocus` for each notification click until the returned function is called. */
export function onFocusLane(onFocus: (f: FocusLane) => void): () => void {
  return api.onWindowEvent<FocusLane>(FOCUS_LANE, onFocus);
}

function byData(root: ParentNode, attr: string, value: string): HTMLElement | null {
  // Compared as data, never spliced into a selector: ids come from vendors.
  for (const el of root.querySelectorAll<HTMLElement>(`[${attr}]`)) {
    if (el.getAttribute(attr) === value) return el;
  }
  return null;
}

/** Scrolls the lane into view and focuses its queue item (or the tile). Returns what it focused. */
export function focusLane(f: FocusLane, root: ParentNode = document): HTMLElement | null {
  const lane = f.lane_id == null ? null : byData(root, 'data-lane-id', f.lane_id);
  const item =
    (f.trace_id == null ? null : byData(root, 'data-trace-id', f.trace_id)) ??
    (f.help_id == null ? null : byData(root, 'data-help-id', String(f.help_id)));
  lane?.scrollIntoView?.({ block: 'center' });
  const target = item ?? lane;
  if (target) {
    if (!item && !target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
    target.focus();
  }
  return target;
}
