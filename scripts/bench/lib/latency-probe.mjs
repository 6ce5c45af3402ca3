// Exec -> stored latency probe, in its own small Node process so that neither the bench's heap (a large
// process forks slowly) nor its other work delays a spawn or a poll. Spawns `/bin/true <marker>` every gapMs,
// polls Mamori's database read-only every pollMs for new exec rows, and prints one JSON line:
//   { warm: [ms...], latencies: [ms or null per exec], spawnMs: [ms per spawn call], pollMs: [ms per poll query] }
// Latency = time the row was first seen - time just before spawn() was called.
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setInterval, clearInterval } from 'node:timers';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const Database = require('better-sqlite3');
const o = JSON.parse(process.argv[2]);
const db = new Database(o.dbFile, { readonly: true, fileMustExist: true });
const rows = db.prepare("SELECT id, process_command_line AS c FROM events WHERE id > ? AND action = 'exec' ORDER BY id");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let lastId = 0;
const seenAt = new Map();
const pollMs = [];
function poll() {
  const t0 = performance.now();
  const found = rows.all(lastId);
  const now = performance.now();
  pollMs.push(now - t0);
  for (const r of found) {
    lastId = r.id;
    const m = r.c ? /mamori-lat-\S+/.exec(r.c) : null;
    if (m && !seenAt.has(m[0])) seenAt.set(m[0], now);
  }
}
const timer = setInterval(poll, o.pollMs);

const spawnMs = [];
function exec(marker) {
  const t = performance.now();
  const child = spawn('/bin/true', [marker], { stdio: 'ignore' });
  child.on('error', () => { /* never seen: counted as missing */ });
  spawnMs.push(performance.now() - t);
  return t;
}

async function series(markers, gapMs) {
  const at = new Map();
  const t0 = performance.now();
  for (let i = 0; i < markers.length; i++) {
    const wait = t0 + i * gapMs - performance.now();
    // Always yield, even when late: the poller must run between spawns.
    await sleep(Math.max(0, wait));
    at.set(markers[i], exec(markers[i]));
  }
  const deadline = performance.now() + o.timeoutMs;
  while (performance.now() < deadline && markers.some((m) => !seenAt.has(m))) await sleep(20);
  return markers.map((m) => (seenAt.has(m) ? seenAt.get(m) - at.get(m) : null));
}

// Warm-up (untimed in the report): the executable's hash is computed once and cached, the code gets optimised.
const warm = await series(Array.from({ length: o.warm }, (_, i) => `mamori-lat-${o.tag}-w${i}`), o.gapMs);
spawnMs.length = 0;
pollMs.length = 0;
const latencies = await series(Array.from({ length: o.count }, (_, i) => `mamori-lat-${o.tag}-${i}`), o.gapMs);
clearInterval(timer);
db.close();
process.stdout.write(`${JSON.stringify({ warm, latencies, spawnMs, pollMs })}\n`);
