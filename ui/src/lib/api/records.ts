// What the core has recorded and how it is doing: its health and webhook URLs (Status screen),
// the delivery and event logs, a day's bookings and check-ins, and the desktop app's own health.
import type { ApiHealth } from '../bindings/ApiHealth';
import type { Autostart } from '../bindings/Autostart';
import type { DeliveryQuery } from '../bindings/DeliveryQuery';
import type { DeliveryRow } from '../bindings/DeliveryRow';
import type { DesktopStatus } from '../bindings/DesktopStatus';
import type { EventQuery } from '../bindings/EventQuery';
import type { EventRow } from '../bindings/EventRow';
import type { HookUrls } from '../bindings/HookUrls';
import type { Page } from '../bindings/Page';
import type { SavedFile } from '../bindings/SavedFile';
import type { Status } from '../bindings/Status';
import type { VisitsView } from '../bindings/VisitsView';
import { call, query } from './transport';

export function hookUrls(): Promise<HookUrls> {
  return call({ command: 'hook_urls' }, { method: 'GET', path: '/api/hook-urls' });
}

export function status(): Promise<Status> {
  return call({ command: 'status' }, { method: 'GET', path: '/api/status' });
}

/** Action Target's API as the last poll found it: the board's chips read this, not `status`. */
export function apiHealth(): Promise<ApiHealth> {
  return call({ command: 'api_health' }, { method: 'GET', path: '/api/api-health' });
}

export function deliveries(q: Partial<DeliveryQuery> = {}): Promise<Page<DeliveryRow>> {
  return call({ command: 'deliveries', args: { query: q } }, { method: 'GET', path: `/api/deliveries${query(q)}` });
}

export function events(q: Partial<EventQuery> = {}): Promise<Page<EventRow>> {
  return call({ command: 'events', args: { query: q } }, { method: 'GET', path: `/api/events${query(q)}` });
}

/** `day` as `YYYY-MM-DD` in the range's time zone; today when omitted. */
export function visits(day?: string): Promise<VisitsView> {
  return call({ command: 'visits', args: { day: day ?? null } }, { method: 'GET', path: `/api/visits${query({ day })}` });
}

/** The desktop app's own health (single instance); there is none behind a browser. */
export function desktopStatus(): Promise<DesktopStatus> {
  return call({ command: 'desktop_status' }, { windowOnly: 'the desktop app’s status is shown in its window only' });
}

/** Where a browser on the desk PC downloads the diagnostics zip. */
export const DIAGNOSTICS_PATH = '/api/diagnostics';

/** The window saves the diagnostics zip in Downloads and says where; a browser downloads it. */
export function saveDiagnostics(): Promise<SavedFile> {
  return call({ command: 'save_diagnostics' }, { windowOnly: 'a browser downloads the diagnostics from its link' });
}

/** Whether the desktop app starts with the PC, and then waits in the tray. */
export function autostart(): Promise<Autostart> {
  return call({ command: 'autostart' }, { windowOnly: 'starting with the PC is set in the desktop app' });
}

export function setAutostart(enabled: boolean, minimised: boolean): Promise<Autostart> {
  return call(
    { command: 'set_autostart', args: { enabled, minimised } },
    { windowOnly: 'starting with the PC is set in the desktop app' },
  );
}
