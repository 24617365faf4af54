#!/usr/bin/env node
// Live latency: from the listener's 200 for a lane's help call to that call's queue item
// (`[data-help-id]`) in the board page of a browser, over N deliveries against
// `rangedesk-server --demo` (a busy range, so the board is as big as it gets at 24 lanes).
//
//   cd ui && npm run build && node scripts/latency.mjs [--n 200] [--json]
//   (needs `cargo build -p rangedesk-server --bin rangedesk-server`; honours CARGO_TARGET_DIR)
//
// Clocks: node stamps the answer with performance.timeOrigin + performance.now(); the page stamps
// the element's insertion (MutationObserver) and the next frame (requestAnimationFrame) on its own
// clock of the same kind. The offset between the two is measured by round trips before the run
// (the one with the shortest round trip wins, NTP-style) and its uncertainty is reported.
// One delivery at a time: post, wait for the item, resolve it, wait for it to leave.
import { checkBuilt, launchChromium, openBoard, Server, until } from '../e2e/harness.mjs';

const args = process.argv.slice(2);
const arg = (name, dflt) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : dflt;
};
const N = Number(arg('--n', 200));
const asJson = args.includes('--json');

const now = () => performance.timeOrigin + performance.now();

function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i];
}

function summary(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const r = (v) => Math.round(v * 10) / 10;
  return { n: s.length, p50: r(quantile(s, 0.5)), p95: r(quantile(s, 0.95)), p99: r(quantile(s, 0.99)), max: r(s[s.length - 1]) };
}

/** page clock − node clock, from the round trip with the least delay; ± half that round trip. */
async function clockOffset(page) {
  let best = { rtt: Infinity, offset: 0 };
  for (let i = 0; i < 40; i++) {
    const t0 = now();
    const p = await page.evaluate(() => performance.timeOrigin + performance.now());
    const t1 = now();
    if (t1 - t0 < best.rtt) best = { rtt: t1 - t0, offset: p - (t0 + t1) / 2 };
  }
  return best;
}

async function main() {
  checkBuilt();
  const server = await Server.start({ demo: true });
  const browser = await launchChromium();
  try {
    const session = await server.startSession('Latency Probe', 480);
    const { page } = await openBoard(browser, server, { width: 1920, height: 1080 });
    await page.evaluate(() => {
      const seen = new Map();
      window.__seen = seen;
      const stamp = (el) => {
        const id = el.getAttribute('data-help-id');
        if (id === null || seen.has(id)) return;
        const rec = { dom: performance.timeOrigin + performance.now(), frame: null };
        seen.set(id, rec);
        requestAnimationFrame(() => (rec.frame = performance.timeOrigin + performance.now()));
      };
      new MutationObserver((records) => {
        for (const r of records) {
          for (const n of r.addedNodes) {
            if (!(n instanceof Element)) continue;
            if (n.hasAttribute('data-help-id')) stamp(n);
            n.querySelectorAll('[data-help-id]').forEach(stamp);
          }
        }
      }).observe(document.body, { childList: true, subtree: true });
    });
    const before = await clockOffset(page);

    const dom = [];
    const frame = [];
    let known = new Set((await server.api('/api/help')).map((h) => h.help_id));
    for (let i = 0; i < N; i++) {
      const r = await fetch(server.hookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event: 'help', session_id: session.session_id, lane_id: session.lane_id }),
      });
      const answered = now();
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`delivery ${i} answered ${r.status}`);
      const mine = await until('the new help call', async () =>
        (await server.api('/api/help')).find((h) => !known.has(h.help_id) && h.session_id === session.session_id),
      );
      known.add(mine.help_id);
      const rec = await page
        .waitForFunction(
          (id) => {
            const x = window.__seen.get(String(id));
            return x && x.frame !== null ? x : null;
          },
          mine.help_id,
          { timeout: 10000, polling: 20 },
        )
        .then((h) => h.jsonValue());
      dom.push(rec.dom - before.offset - answered);
      frame.push(rec.frame - before.offset - answered);
      const done = await server.post(`/api/help/${mine.help_id}/resolve`);
      if (done.status !== 200) throw new Error(`resolve ${mine.help_id}: ${done.status}`);
      await page.locator(`[data-help-id="${mine.help_id}"]`).waitFor({ state: 'detached', timeout: 10000 });
    }
    const after = await clockOffset(page);
    const result = {
      deliveries: N,
      dom_ms: summary(dom),
      frame_ms: summary(frame),
      clock: {
        offset_ms: Math.round(before.offset * 100) / 100,
        uncertainty_ms: Math.round((before.rtt / 2) * 100) / 100,
        drift_during_run_ms: Math.round((after.offset - before.offset) * 100) / 100,
      },
      target: 'p95 <= 50 ms',
      met: summary(dom).p95 <= 50,
    };
    if (asJson) {
      console.log(JSON.stringify(result, null, 2));
    } else {
      const row = (name, s) => `| ${name} | ${s.n} | ${s.p50} | ${s.p95} | ${s.p99} | ${s.max} |`;
      console.log('| delivery answered 200 → | n | p50 ms | p95 ms | p99 ms | max ms |');
      console.log('| --- | --- | --- | --- | --- | --- |');
      console.log(row('`[data-help-id]` in the DOM', result.dom_ms));
      console.log(row('next animation frame', result.frame_ms));
      console.log(
        `\nclock offset page−node ${result.clock.offset_ms} ms ± ${result.clock.uncertainty_ms} ms, drift over the run ${result.clock.drift_during_run_ms} ms; target p95 ≤ 50 ms (issue 14): ${result.met ? 'met' : 'NOT met'}`,
      );
    }
    process.exitCode = result.met ? 0 : 1;
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((e) => {
  console.error(`latency: ${e.message ?? e}`);
  process.exit(2);
});
