// Runs in its own thread with its own connection: copies the WAL into the database file (PASSIVE: never
// waits for, nor blocks, the writer), so the thread that inserts events never pays for a checkpoint.
// It ticks only while writes come in ('wrote' messages) and sleeps once the WAL is fully copied.
import Database from 'better-sqlite3';
import { parentPort, workerData } from 'node:worker_threads';

const CHECKPOINT_EVERY_MS = 50;

const { file } = workerData as { file: string };
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
let timer: NodeJS.Timeout | null = null;
let wroteSinceTick = false;

function tick(): void {
  const wrote = wroteSinceTick;
  wroteSinceTick = false;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)') as { busy: number; log: number; checkpointed: number }[];
    if (!wrote && r && r.checkpointed >= r.log && timer) { clearInterval(timer); timer = null; }
  } catch (err) {
    parentPort?.postMessage({ error: (err as Error).message });
  }
}

parentPort?.on('message', (m: string) => {
  if (m === 'wrote') {
    wroteSinceTick = true;
    timer ??= setInterval(tick, CHECKPOINT_EVERY_MS);
    return;
  }
  if (timer) clearInterval(timer);
  db.close();
  parentPort?.close();
});
