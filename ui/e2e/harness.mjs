// The browser tests' fixtures, shared with scripts/latency.mjs: the real `rangedesk-server`
// (usually `--demo`) on free loopback ports with a temp data directory and a config we write,
// deliveries signed the way each vendor signs them and posted to its public listener, the browser
// API read over HTTP, and Debian's chromium driven through playwright-core. Nothing here is a stub:
// every answer comes from the real binary, the real store and the real UI build (ui/dist).
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const UI_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = resolve(UI_DIR, '..');
const TARGET = process.env.CARGO_TARGET_DIR ? resolve(process.env.CARGO_TARGET_DIR) : join(REPO, 'target');

/** The binaries under test: `cargo build -p rangedesk-server --bin rangedesk-server` (and `-p rangedesk-sim`). */
export const SERVER_BIN = process.env.RANGEDESK_SERVER ?? join(TARGET, 'debug', 'rangedesk-server');
export const SIM_BIN = process.env.RANGEDESK_SIM ?? join(TARGET, 'debug', 'rangedesk-sim');
/** Where the tests save screenshots for people to look at (gitignored; CI keeps the folder). */
export const SHOTS = process.env.RANGEDESK_SCREENSHOTS ?? join(REPO, 'artifacts', 'screenshots');
export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export const HOOK_TOKEN = 'e2e-hook-token_0123456789abcdefghijklmnopqrstuv';
// Demo mode replaces the vendor keys with the published demo ones; a plain server takes these.
export const ENVISO_KEY = 'demo-enviso-key';
export const SAMNA_SECRET = 'wh_sec_demo';

/** The flags the project runs chromium with: no sandbox (CI runs as root), no network chatter. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A port nobody listens on right now, from below the kernel's ephemeral range (Linux: 32768+):
 * a port the kernel picked for us could be handed out again at once as the local end of some
 * other process's outgoing connection, and the server's bind would then fail (seen on a busy CI
 * machine). Another test binding the same port in between is still possible: `launch` retries.
 */
export async function freePort() {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    const ok = await new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)));
    });
    if (ok) return port;
  }
  throw new Error('no free port between 20000 and 32000');
}

/** Polls `f` until it returns something truthy, or throws `what` after `ms`. */
export async function until(what, f, ms = 15000, every = 100) {
  const end = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const v = await f();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${last}` : ''}`);
    await sleep(every);
  }
}

/** Checks the binaries and the UI build exist, with what to run when they do not. */
export function checkBuilt({ sim = false } = {}) {
  const missing = [];
  if (!existsSync(SERVER_BIN)) missing.push(`${SERVER_BIN} (cargo build -p rangedesk-server --bin rangedesk-server)`);
  if (sim && !existsSync(SIM_BIN)) missing.push(`${SIM_BIN} (cargo build -p rangedesk-sim --bin rangedesk-sim)`);
  if (!existsSync(join(UI_DIR, 'dist', 'index.html'))) missing.push('ui/dist (npm run build)');
  if (!existsSync(CHROMIUM)) missing.push(`${CHROMIUM} (apt-get install chromium)`);
  if (missing.length) throw new Error(`not built: ${missing.join('; ')}`);
}

/** Keeps the last lines a child printed, for the error when it dies. */
function tail(child, into) {
  const keep = (chunk) => {
    into.push(...String(chunk).split('\n').filter(Boolean));
    if (into.length > 200) into.splice(0, into.length - 200);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
}

/** Rejects when `child` exits (a start that failed); never resolves. */
function exitOf(child, name, lines) {
  const exited = new Promise((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`${name} exited with ${code ?? signal}: ${lines.slice(-5).join(' | ')}`))),
  );
  exited.catch(() => undefined);
  return exited;
}

async function stopChild(child, ms = 15000) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), ms);
  await exited;
  clearTimeout(timer);
}

/**
 * A running `rangedesk-server`. `demo: true` starts it with `--demo` (the simulator plays a busy
 * Saturday at 24 lanes); otherwise `apiBase` may point it at a separately run simulator.
 */
export class Server {
  constructor(opts = {}) {
    this.demo = opts.demo ?? true;
    this.apiBase = opts.apiBase ?? null;
    this.extra = opts.extra ?? '';
    /** Held purchases delay a graceful stop by up to this long; tests that restart keep it short. */
    this.approvalWindow = opts.approvalWindow ?? 60;
    /** `server.board_pin`: every browser request then needs it (header, `?pin=`, or its cookie). */
    this.pin = opts.pin ?? '';
    /** `0.0.0.0` opens the board to the LAN (it then needs a PIN); browsers reach it at `lanUrl`. */
    this.boardHost = opts.boardHost ?? '127.0.0.1';
    this.lanes = opts.lanes ?? (this.demo ? 24 : 0);
    /**
     * Start as a fresh install does: no config file at all (the app writes its own on first
     * start), so the listeners are the documented defaults, `0.0.0.0:8787` and `127.0.0.1:8788`,
     * and the UI is found through `RANGEDESK_UI_DIR`. Nobody else may hold those ports meanwhile.
     */
    this.noConfig = opts.noConfig ?? false;
    this.dir = mkdtempSync(join(tmpdir(), 'rangedesk-e2e-'));
    this.lines = [];
    this.child = null;
    /** The demo simulator's API (from the server's log), for its `/_sim` control routes. */
    this.simApi = null;
  }

  static async start(opts) {
    const s = await Server.prepare(opts);
    await s.begin();
    return s;
  }

  /** A server with its ports chosen but not started, so a simulator can be aimed at it first. */
  static async prepare(opts) {
    const s = new Server(opts);
    s.publicPort = await freePort();
    s.boardPort = await freePort();
    return s;
  }

  async begin() {
    if (this.noConfig) {
      this.config = join(this.dir, 'rangedesk.toml');
      [this.publicPort, this.boardPort] = [8787, 8788];
      for (const port of [8787, 8788]) {
        const free = await new Promise((resolve) => {
          const s = createServer();
          s.once('error', () => resolve(false));
          s.listen(port, () => s.close(() => resolve(true)));
        });
        if (!free) throw new Error(`port ${port} is taken: a server without a config listens on the default ports`);
      }
      await this.launch();
      return;
    }
    this.writeConfig();
    // A simulator aimed at this server knows its public port: keep the ports then.
    await this.launch({ fresh: !this.apiBase });
  }

  get publicUrl() {
    return `http://127.0.0.1:${this.publicPort}`;
  }

  get boardUrl() {
    return `http://127.0.0.1:${this.boardPort}`;
  }

  /** The board as a browser on another computer reaches it: this machine's LAN address. */
  get lanUrl() {
    return `http://${lanAddress()}:${this.boardPort}`;
  }

  get hookUrl() {
    return `${this.publicUrl}/hooks/action-target/${HOOK_TOKEN}`;
  }

  writeConfig() {
    const at = this.apiBase
      ? `api_base = "${this.apiBase}"\napi_key = "demo-action-target-key"\npoll_seconds = 5\n`
      : this.demo
        ? ''
        : 'poll_seconds = 0\n';
    this.config = join(this.dir, 'rangedesk.toml');
    writeFileSync(
      this.config,
      `[server]
listen = "127.0.0.1:${this.publicPort}"
board_listen = "${this.boardHost}:${this.boardPort}"
ui_dir = "${join(UI_DIR, 'dist')}"
board_pin = "${this.pin}"

[action_target]
hook_token = "${HOOK_TOKEN}"
${at}
[enviso]
hmac_keys = ["${ENVISO_KEY}"]

[samna]
secrets = ["${SAMNA_SECRET}"]

[purchases]
approval_window_seconds = ${this.approvalWindow}
${this.extra}
`,
    );
  }

  /**
   * Starts the binary. When a port it was given was taken meanwhile, a first start (`fresh`)
   * moves to other ports; a restart tries the same ones again, as a browser page expects them.
   */
  async launch({ fresh = false } = {}) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.launchOnce();
      } catch (e) {
        const taken = /Address already in use/.test(String(e?.message));
        if (!taken || attempt >= 5 || this.noConfig) throw e;
        await sleep(500);
        if (fresh) {
          this.publicPort = await freePort();
          this.boardPort = await freePort();
          this.writeConfig();
        }
      }
    }
  }

  async launchOnce() {
    // Without a config the default one is used: rangedesk.toml in the data directory.
    const args = this.noConfig ? ['--data-dir', this.dir] : ['--config', this.config, '--data-dir', this.dir];
    if (this.demo) args.push('--demo');
    this.lines.length = 0;
    const ui = this.noConfig ? { RANGEDESK_UI_DIR: join(UI_DIR, 'dist') } : {};
    const env = { ...process.env, RUST_LOG: process.env.RUST_LOG ?? 'info', NO_COLOR: '1', ...ui };
    if (this.noConfig) delete env.RANGEDESK_CONFIG;
    const child = spawn(SERVER_BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    this.child = child;
    tail(child, this.lines);
    await Promise.race([
      until(
        'the server to answer and show its lanes',
        async () => (await this.api('/api/board')).lanes.length >= this.lanes,
        60000,
        150,
      ),
      exitOf(child, 'rangedesk-server', this.lines),
    ]).catch((e) => {
      throw new Error(`${e.message}\n--- server log ---\n${this.lines.slice(-30).join('\n')}`);
    });
    if (this.demo) {
      const line = this.lines.find((l) => l.includes('demo mode') && l.includes('api='));
      this.simApi = line?.match(/api=(http:\/\/[^\s]+)/)?.[1] ?? null;
    }
  }

  /** SIGTERM, wait for a clean exit, start again on the same ports and data directory. */
  async restart() {
    await stopChild(this.child);
    await this.launch();
  }

  async stop({ keep = false } = {}) {
    await stopChild(this.child);
    if (!keep) rmSync(this.dir, { recursive: true, force: true });
  }

  get pinHeader() {
    return this.pin ? { 'x-rangedesk-pin': this.pin } : {};
  }

  async api(path) {
    const r = await fetch(this.boardUrl + path, { headers: this.pinHeader });
    if (!r.ok) throw new Error(`GET ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  }

  /** A staff action on the browser API (always JSON, as the board requires); `{status, body}`. */
  async post(path, body, method = 'POST') {
    const r = await fetch(this.boardUrl + path, {
      method,
      headers: { ...this.pinHeader, 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
  }

  /** Posts an Action Target lane event; resolves with the listener's answer (a held purchase waits). */
  async hook(payload) {
    const r = await fetch(this.hookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: typeof payload === 'string' ? payload : JSON.stringify(payload),
    });
    const text = await r.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
    return { status: r.status, body };
  }

  /** Posts a signed Enviso notification (`signature = base64(base64(hmac(id|tenant|event|timestamp)))`). */
  async enviso({ id, tenant = 'RANGE', event, timestamp = new Date().toISOString(), data = {} }) {
    const mac = createHmac('sha256', ENVISO_KEY).update(`${id}|${tenant}|${event}|${timestamp}`).digest('base64');
    const signature = Buffer.from(mac).toString('base64');
    const r = await fetch(`${this.publicUrl}/hooks/enviso`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id, tenant, event, timestamp, data, signature }),
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }

  /** Posts a signed Samna event (`X-Samna-Signature: t=<unix>,v1=hex(hmac("<t>.<body>"))`). */
  async samna({ id, event_name, timestamp = new Date().toISOString(), context = {} }) {
    const body = JSON.stringify({ id, event_name, timestamp, context });
    const t = Math.floor(Date.now() / 1000);
    const v1 = createHmac('sha256', SAMNA_SECRET).update(`${t}.${body}`).digest('hex');
    const r = await fetch(`${this.publicUrl}/hooks/samna`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-samna-signature': `t=${t},v1=${v1}` },
      body,
    });
    return { status: r.status, body: await r.json().catch(() => null) };
  }

  /**
   * Starts a session of our own through the browser API (and so through Action Target's API) on a
   * free usable lane, trying the next when the simulator's scenario took one first.
   */
  async startSession(customer_name, duration = 180) {
    for (let attempt = 0; attempt < 10; attempt++) {
      const lanes = await this.api('/api/lanes');
      const free = lanes.filter((l) => l.state === 'free' && l.known);
      if (free.length === 0) break;
      const lane = free[attempt % free.length];
      const r = await this.post('/api/sessions', { lane_id: lane.lane_id, customer_name, duration });
      if (r.status === 201 || r.status === 200) {
        const id = r.body.session_id;
        await until('the new session on the board', async () =>
          (await this.api('/api/board')).sessions.some((x) => x.session_id === id),
        );
        return r.body;
      }
    }
    throw new Error('no free lane to start a session on');
  }
}

/**
 * This machine's own address on its network (not loopback): what a browser on a second desk
 * would connect from. Connections to it stay on this machine.
 */
export function lanAddress() {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) {
      if (a.family === 'IPv4' && !a.internal) return a.address;
    }
  }
  return null;
}

/** chromium through playwright-core; never a downloaded browser. */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM, args: [...CHROMIUM_ARGS, ...extraArgs], headless: true });
}

/**
 * Opens the board in a new context. `touch` gives a touch screen (taps), `dark` the dark scheme.
 * `before(page)` runs before the page loads (init scripts). Every page error, console error and
 * dialog is collected, so a test can assert none happened.
 */
export async function openBoard(
  browser,
  server,
  { width = 1366, height = 768, touch = false, dark = false, hash = '', before = null } = {},
) {
  const context = await browser.newContext({
    viewport: { width, height },
    hasTouch: touch,
    isMobile: false,
    colorScheme: dark ? 'dark' : 'light',
    reducedMotion: 'reduce',
  });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.type()} ${d.message()}`);
    void d.dismiss();
  });
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  if (before) await before(page);
  await page.goto(`${server.boardUrl}/${hash}`);
  await page.locator('[data-lane-id]').first().waitFor({ timeout: 20000 });
  return { context, page, problems };
}

/**
 * `rangedesk-sim scenario busy-saturday` with `lanes` lanes: the fake Action Target API on a free
 * port, playing the scenario's deliveries at `server` (prepared, so its ports are known); with
 * `scenario: false`, `rangedesk-sim serve`: the API alone, a quiet range. Point the server at
 * `api` (`server.apiBase = sim.api` before `begin()`).
 */
export class Simulator {
  static async start(server, opts = {}) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await Simulator.startOnce(server, opts);
      } catch (e) {
        if (!/in use/i.test(String(e?.message)) || attempt >= 5) throw e;
      }
    }
  }

  static async startOnce(server, { lanes = 60, speed = 60, seed = 3, scenario = true } = {}) {
    const sim = new Simulator();
    sim.port = await freePort();
    sim.lines = [];
    sim.child = spawn(
      SIM_BIN,
      [
        ...(scenario ? ['scenario', 'busy-saturday'] : ['serve']),
        '--listen',
        `127.0.0.1:${sim.port}`,
        '--lanes',
        String(lanes),
        '--speed',
        String(speed),
        '--seed',
        String(seed),
        '--target',
        server.publicUrl,
        '--hook-token',
        HOOK_TOKEN,
        '--enviso-key',
        ENVISO_KEY,
        '--samna-secret',
        SAMNA_SECRET,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } },
    );
    tail(sim.child, sim.lines);
    await Promise.race([
      until(`the simulator on port ${sim.port}`, async () => {
        const r = await fetch(`${sim.api}/lanes`, { headers: { authorization: 'Bearer demo-action-target-key' } });
        return r.ok;
      }),
      exitOf(sim.child, 'rangedesk-sim', sim.lines),
    ]);
    return sim;
  }

  get api() {
    return `http://127.0.0.1:${this.port}`;
  }

  /** A `/_sim` control route, e.g. `POST /_sim/names/{id}` `{name}`. */
  async control(path, body) {
    const r = await fetch(this.api + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body ?? {}),
    });
    if (!r.ok) throw new Error(`POST ${path}: ${r.status} ${await r.text()}`);
  }

  async stop() {
    await stopChild(this.child, 5000);
  }
}
