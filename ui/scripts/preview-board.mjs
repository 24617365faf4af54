// Serves ui/dist with a made-up board on /api/board and /api/stream, so the board can be looked
// at in a browser at any size and lane count without the core:
//   node scripts/preview-board.mjs [lanes=60] [port=5180] [--ceasefire] [--stale]
// then e.g. chromium --headless --window-size=1920,1080 --screenshot=shot.png http://127.0.0.1:5180/
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize } from 'node:path';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = new Set(process.argv.slice(2).filter((a) => a.startsWith('--')));
const LANES = Number(args[0] ?? 60);
const PORT = Number(args[1] ?? 5180);
const DIST = new URL('../dist/', import.meta.url).pathname;
const NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Barbara Liskov', 'Edsger Dijkstra', 'Margaret Hamilton'];
const STATES = ['active', 'active', 'active', 'ending_soon', 'free', 'waiting', 'active', 'overtime', 'paused', 'active', 'unusable'];

function board() {
  const now = Date.now();
  const iso = (s) => new Date(now + s * 1000).toISOString();
  const lanes = [];
  for (let i = 0; i < LANES; i++) {
    const state = flags.has('--ceasefire') && i % 11 !== 4 && i % 11 !== 10 ? 'paused' : STATES[i % STATES.length];
    const session = !['free', 'unusable'].includes(state);
    const minutes = { active: 20 + (i * 7) % 40, ending_soon: 3.4, overtime: -2.2, paused: 14 }[state] ?? null;
    lanes.push({
      lane_id: `lane-${i + 1}`,
      name: `Lane ${i + 1}`,
      // As the simulator groups them: bays of eight, the accessible last lane in the first bay.
      bay: `Bay ${String.fromCharCode(65 + (i === LANES - 1 ? 0 : Math.floor(i / 8)))}`,
      bay_id: `bay-${i === LANES - 1 ? 0 : Math.floor(i / 8)}`,
      state,
      session_id: session ? `S-${i + 1}` : null,
      known: true,
      customer_name: session ? NAMES[i % NAMES.length] : null,
      minutes_remaining: minutes,
      open_help: 0,
      carrier_hits: i % 9 === 2 ? 1 : 0,
      pending_purchases: 0,
      waiting_since: state === 'waiting' ? iso(-95 - i) : null,
    });
  }
  const help = [
    { help_id: 1, session_id: 'S-3', lane_id: 'lane-3', raised_at: iso(-200), acknowledged_at: null, acknowledged_by: null },
    { help_id: 2, session_id: 'S-8', lane_id: 'lane-8', raised_at: iso(-75), acknowledged_at: null, acknowledged_by: null },
    { help_id: 3, session_id: 'S-2', lane_id: 'lane-2', raised_at: iso(-300), acknowledged_at: iso(-250), acknowledged_by: 'desk' },
  ];
  const purchases = [
    { trace_id: 'tr-1', session_id: 'S-10', lane_id: 'lane-10', status: 'pending', items: [{ id: 'ammo-9mm-50', qty: 2, display_name: '9mm FMJ, box of 50', product_type: 'ammo' }, { id: 'target-b27', qty: 5, display_name: 'B-27 silhouette target', product_type: 'targets' }], requested_at: iso(-8), deadline: iso(12), decided_at: null, decided_by: null, user_message: null, time_extension: null },
    { trace_id: 'tr-2', session_id: 'S-1', lane_id: 'lane-1', status: 'pending', items: [{ id: 'time-30', qty: 1, display_name: null, product_type: 'unknown' }], requested_at: iso(-3), deadline: iso(17), decided_at: null, decided_by: null, user_message: null, time_extension: null },
  ];
  for (const h of help) lanes.find((l) => l.lane_id === h.lane_id).open_help++;
  for (const p of purchases) lanes.find((l) => l.lane_id === p.lane_id).pending_purchases++;
  const tab = [{ item_id: 'it-1', trace_id: 'tr-0', session_id: 'S-6', lane_id: 'lane-6', product_id: 'ear-pro', product_type: 'rentals', name: 'Ear protection', qty: 1, unit_price_cents: 300, total_cents: 300, to_deliver: true, delivered_at: null, delivered_by: null }];
  return { lanes, sessions: [], help, purchases, tab, ceasefire: flags.has('--ceasefire'), stale: flags.has('--stale'), last_event_id: 1, as_of: new Date(now).toISOString(),
    ageing_amber_seconds: 60, ageing_red_seconds: 180, vendor_silent_minutes: 30,
    vendors: [
      { source: 'action_target', last_delivery_at: iso(-4) },
      { source: 'enviso', last_delivery_at: iso(-2400) },
      { source: 'samna', last_delivery_at: null },
    ] };
}

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };

createServer(async (req, res) => {
  const path = new URL(req.url ?? '/', 'http://x').pathname;
  if (path === '/api/board') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(board()));
  if (path === '/api/stream') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    // One message, then close: the browser reconnects (and resyncs) every second, and a headless
    // screenshot is not held up by a stream that never ends.
    return res.end(`retry: 1000\nevent: board\ndata: ${JSON.stringify(board())}\n\n`);
  }
  if (req.method === 'POST') return res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  const file = normalize(join(DIST, path === '/' ? 'index.html' : path));
  if (!file.startsWith(DIST)) return res.writeHead(404).end();
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
}).listen(PORT, '127.0.0.1', () => console.log(`board preview with ${LANES} lanes on http://127.0.0.1:${PORT}/`));
