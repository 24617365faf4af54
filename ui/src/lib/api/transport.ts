// How the UI reaches the core, chosen here for every call: inside the desktop window the IPC
// commands of src-tauri/src/commands.rs and settings.rs, in a browser served by the core's board
// listener `fetch` on `/api/...`. Both reach the same core functions. Whatever a call rejects
// with, by either way, is decoded here once into an ApiFailure. (The board's live feed makes the
// same choice for its stream, in ./board.ts.)
import { invoke, type InvokeArgs, type InvokeOptions } from '@tauri-apps/api/core';
import { listen } from '@tauri-apps/api/event';
import type { CatalogueRefusal } from '../bindings/CatalogueRefusal';
import type { CatalogueRule } from '../bindings/CatalogueRule';
import type { SettingsRefusal } from '../bindings/SettingsRefusal';

/** True inside the desktop window; read per call, as tests install their IPC mock late. */
export function inWindow(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/**
 * A failed call, whichever way it went. The core refuses as ApiError `{code, message}` over IPC
 * and `{error, code}` over HTTP, and some refusals say more: SettingsRefusal the setting at fault
 * (`key`), CatalogueRefusal the rule and the row (`rule`, `index`). This is each of them.
 */
export class ApiFailure extends Error {
  constructor(
    message: string,
    /**
     * The core's ApiErrorCode; or `network` when nothing answered, `http_<status>` for an answer
     * that was not the core's (a proxy's error page), `ipc` when the window's call itself failed.
     */
    readonly code: string,
    /** The HTTP status; 0 over IPC and when nothing answered. */
    readonly status: number,
    readonly key: SettingsRefusal['key'] = null,
    readonly rule: CatalogueRefusal['rule'] | null = null,
    /** The catalogue row the rule is about; null for whole-list rules and other refusals. */
    readonly index: number | null = null,
  ) {
    super(message);
  }
}

function decode(o: Record<string, unknown>, status: number, message: string, code: string): ApiFailure {
  const text = (v: unknown) => (typeof v === 'string' ? v : null);
  return new ApiFailure(
    text(o.error) ?? text(o.message) ?? message,
    text(o.code) ?? code,
    status,
    text(o.key),
    // Trusted as the core's rule name, as every answer is trusted as its generated type.
    text(o.rule) as CatalogueRule | null,
    typeof o.index === 'number' ? o.index : null,
  );
}

/** What any call rejected with, as an ApiFailure (which passes through unchanged). */
export function refusal(err: unknown): ApiFailure {
  if (err instanceof ApiFailure) return err;
  if (typeof err === 'object' && err !== null) return decode(err as Record<string, unknown>, 0, String(err), 'ipc');
  return new ApiFailure(String(err), 'ipc', 0);
}

/** The stable `code` of a failed call, to switch on. */
export function errorCode(err: unknown): string {
  return refusal(err).code;
}

/** A one-line description of a failed call, for the status line. */
export function errorMessage(err: unknown): string {
  return refusal(err).message;
}

/** A window command (src-tauri/src/commands.rs, settings.rs) and its arguments. */
export type Ipc = { command: string; args?: InvokeArgs; options?: InvokeOptions };

/**
 * A browser API route. A change (POST, PUT) always goes as JSON, `{}` at least: the board takes
 * writes as same-origin JSON only, which a page on another site cannot send.
 */
export type Http = { method: 'GET' | 'POST' | 'PUT'; path: string; body?: unknown };

/** What the window alone has; a browser is told why it cannot. */
export type WindowOnly = { windowOnly: string };

/**
 * One call to the core, over IPC in the window and HTTP in a browser. The answer is trusted as
 * `T`, the generated type of what the core's function returns for both.
 */
export async function call<T>(ipc: Ipc, http: Http | WindowOnly): Promise<T> {
  if (inWindow()) {
    try {
      return await invoke<T>(ipc.command, ipc.args, ipc.options);
    } catch (e) {
      throw refusal(e);
    }
  }
  if ('windowOnly' in http) throw new ApiFailure(http.windowOnly, 'forbidden', 0);
  return (await request(http)) as T;
}

async function request({ method, path, body }: Http): Promise<unknown> {
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
    throw new ApiFailure(`cannot reach rangedesk: ${String(e)}`, 'network', 0);
  }
  const text = await res.text();
  let json: unknown = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    // A proxy's HTML error page: report the status, never the page.
  }
  if (!res.ok) {
    const o = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
    throw decode(o, res.status, `${res.status} ${res.statusText}`, `http_${res.status}`);
  }
  return json;
}

/** `?k=v&…` of the fields that are set. */
export function query(q: object): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) {
    if (v !== null && v !== undefined) params.set(k, String(v));
  }
  const s = params.toString();
  return s ? `?${s}` : '';
}

/** A path segment: ids come from vendors. */
export const seg = encodeURIComponent;

/**
 * Calls `f` with each payload of a window event until the returned function is called; in a
 * browser, never (the board's stream is `followBoard`'s business).
 */
export function onWindowEvent<T>(event: string, f: (payload: T) => void): () => void {
  if (!inWindow()) return () => {};
  let stop: (() => void) | null = null;
  let stopped = false;
  listen<T>(event, (e) => f(e.payload)).then((un) => (stopped ? un() : (stop = un)));
  return () => {
    stopped = true;
    stop?.();
  };
}

