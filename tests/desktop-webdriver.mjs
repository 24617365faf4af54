// The real desktop app driven through WebDriver: tauri-driver in front of WebKitWebDriver, which
// starts the rangedesk binary and drives its webview. Run by tests/desktop-webdriver.sh, which
// starts the simulator and tauri-driver and passes everything in the environment.
//
// WebDriver is spoken with plain fetch to the W3C endpoints: the test needs eight of them (session,
// find, click, text, attribute, window rect, execute, delete), which is less code than learning a
// client library's wrapper for them, and adds no dependency to ui/ for the others to install.

import { existsSync, readFileSync } from 'node:fs';

const env = (name) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
};
const driver = env('WEBDRIVER_URL');
const api = env('API'); // the app's browser API, for setting up sessions as the desk would
const sim = env('SIM'); // the simulator's fake Action Target
const simKey = env('SIM_KEY');
const expectRect = JSON.parse(env('EXPECT_RECT'));

let passed = 0;
let failed = 0;
const ok = (what) => {
  passed += 1;
  console.log(`ok: ${what}`);
};
const notOk = (what) => {
  failed += 1;
  console.error(`FAILED: ${what}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

async function wd(method, path, body) {
  const res = await fetch(`${driver}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

async function until(what, fn, ms = 30_000) {
  const deadline = Date.now() + ms;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await sleep(250);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last})`);
}

async function post(url, body, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const session = await wd('POST', '/session', {
  capabilities: {
    alwaysMatch: {
      'tauri:options': { application: env('APP'), args: JSON.parse(env('APP_ARGS')) },
    },
  },
});
const s = `/session/${session.sessionId}`;
const find = async (css, from) =>
  wd('POST', from ? `${s}/element/${from}/elements` : `${s}/elements`, { using: 'css selector', value: css }).then(
    (els) => els.map((e) => e[ELEMENT]),
  );
const text = (el) => wd('GET', `${s}/element/${el}/text`);
const run = (script, args = []) => wd('POST', `${s}/execute/sync`, { script, args });
const runAsync = (script, args = []) => wd('POST', `${s}/execute/async`, { script, args });

try {
  // The board opens with the simulator's lanes, one tile each.
  const tiles = await until('eight lane tiles', async () => ((await find('[data-lane-id]')).length >= 8 ? find('[data-lane-id]') : null));
  ok(`the board shows ${tiles.length} lanes`);

  // The window opened at the size and place saved last time (tauri-plugin-window-state).
  const rect = await wd('GET', `${s}/window/rect`);
  if (rect.width === expectRect.width && rect.height === expectRect.height) {
    ok(`window restored at ${rect.width}×${rect.height}`);
  } else {
    notOk(`window is ${JSON.stringify(rect)}, saved state was ${JSON.stringify(expectRect)}`);
  }

  // Started without a session bus: single instance cannot work, and the window says so.
  const notices = await until('the no-session-bus notice', async () => {
    const els = await find('.desktop-notice');
    return els.length ? Promise.all(els.map(text)) : null;
  }, 10_000).catch((e) => [String(e)]);
  if (notices.some((t) => t.includes('No desktop session bus'))) ok(`on screen: ${notices[0].slice(0, 80)}…`);
  else notOk(`no single-instance notice on screen: ${JSON.stringify(notices)}`);

  // A shooter on lane 2 buys ammunition; the rule holds it for the desk.
  const lanes = await (await fetch(`${api}/lanes`)).json();
  const lane = lanes[1];
  const started = await post(`${api}/sessions`, { lane_id: lane.lane_id, customer_name: 'Webdriver Shooter', duration: 60, enable_purchasing: true });
  if (started.status !== 201) throw new Error(`cannot start a session: ${JSON.stringify(started)}`);
  await post(`${sim}/_sim/sessions/${started.body.session_id}/start`, {});
  const buying = post(
    `${sim}/simulate/purchaseRequest`,
    { session_id: started.body.session_id, items: [{ id: 'AMMO-9MM', qty: 1 }] },
    { authorization: `Bearer ${simKey}` },
  );
  const item = await until('the purchase in the queue', async () => (await find('[data-trace-id]'))[0]);
  const traceId = await wd('GET', `${s}/element/${item}/attribute/data-trace-id`);
  const badge = await until('the lane tile showing the purchase', async () => {
    const tile = (await find(`[data-lane-id="${lane.lane_id}"]`))[0];
    return tile ? (await find('.badge.buy', tile))[0] : null;
  });
  ok(`purchase ${traceId} waiting on ${lane.name} (${await text(badge)})`);

  const approve = await until('its Approve button', async () => {
    for (const b of await find('button', item)) if ((await text(b)).trim() === 'Approve') return b;
    return null;
  });
  await wd('POST', `${s}/element/${approve}/click`, {});
  const answer = await buying;
  if (answer.status === 200 && answer.body?.status === 200 && answer.body?.body?.success === true) {
    ok(`the lane screen got its approval (${answer.body.body.trace_id})`);
  } else {
    notOk(`the lane screen got ${JSON.stringify(answer)}`);
  }
  await until('the lane answered on the board', async () => {
    const tile = (await find(`[data-lane-id="${lane.lane_id}"]`))[0];
    const stillQueued = (await find('[data-trace-id]')).length;
    return tile && (await find('.badge.buy', tile)).length === 0 && stillQueued === 0;
  }, 10_000).then(
    () => ok('the lane tile and the queue show the purchase answered'),
    (e) => notOk(String(e)),
  );

  // Capabilities: what the window is granted works; anything else is refused by Tauri itself.
  const invoke = (cmd, args) =>
    runAsync(
      `const done = arguments[arguments.length - 1];
       window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then(
         (v) => done('allowed ' + JSON.stringify(v).slice(0, 60)),
         (e) => done('refused ' + String(e)));`,
      [cmd, args],
    );
  const granted = await invoke('desktop_status', {});
  if (granted.startsWith('allowed')) ok(`a granted command works: ${granted}`);
  else notOk(`desktop_status was refused: ${granted}`);
  for (const [cmd, args] of [
    ['plugin:window-state|save_window_state', { flags: 63 }],
    ['plugin:window|close', { label: 'rangedesk' }],
    ['plugin:event|emit', { event: 'board-changed', payload: null }],
  ]) {
    const got = await invoke(cmd, args);
    if (got.startsWith('refused') && /not allowed|denied|permission/i.test(got)) ok(`${cmd} refused: ${got.slice(0, 100)}`);
    else notOk(`${cmd} should be refused, got: ${got}`);
  }
  // Start with the PC: the window's own commands write and remove the XDG autostart entry,
  // which launches the app with --autostarted (tauri-plugin-autostart; HOME is this test's).
  const entry = `${process.env.HOME}/.config/autostart/rangedesk.desktop`;
  const on = await invoke('set_autostart', { enabled: true, minimised: true });
  const exec = existsSync(entry) ? readFileSync(entry, 'utf8').split('\n').find((l) => l.startsWith('Exec=')) ?? '' : '';
  if (on.includes('"enabled":true') && exec.includes('--autostarted')) ok(`start with the PC: ${exec.slice(0, 100)}`);
  else notOk(`set_autostart gave ${on}; ${entry}: ${exec || 'missing'}`);
  const off = await invoke('set_autostart', { enabled: false, minimised: false });
  if (off.includes('"enabled":false') && !existsSync(entry)) ok('turned off, the autostart entry is gone');
  else notOk(`after turning it off: ${off}; entry still there: ${existsSync(entry)}`);

  // The page cannot reach around the IPC: no Node, no shell, and the CSP blocks inline script.
  const inline = await run(
    `const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true';
     document.head.append(s); return window.__inlineRan === true;`,
  );
  if (inline === false) ok('the CSP keeps inline script from running');
  else notOk('inline script ran despite the CSP');
} catch (e) {
  notOk(e.stack ?? String(e));
} finally {
  await wd('DELETE', s).catch(() => {});
}
console.log(`desktop-webdriver: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
