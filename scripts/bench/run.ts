// `npm run bench` -> node --import tsx scripts/bench/run.ts [options]
// Benchmarks print a table and write bench-results/<name>-<timestamp>.json plus bench-results/latest.json.
import { parseArgs } from 'node:util';
import { cleanupAll } from './lib/cleanup.js';
import { scanThroughput, type ScanBenchOptions } from './scan-throughput.js';

const HELP = `Usage: npm run bench -- [options]

Scan throughput: Mamori's on-demand scan vs the machine's SHA-256 limit, sha256sum and clamscan,
over a generated corpus (removed at the end).

  --quick          small corpus (300 files, ~80 MB) for a fast check
  --files N        number of files (default 2000, plus one EICAR file)
  --mb M           total size in MB of 1,000,000 bytes (default 700)
  --runs R         runs per contender, the median is reported (default 3)
  --seed S         corpus seed (default 1); same seed + sizes = same corpus
  --only a,b       only these contenders: mamori, sha256sum, clamscan (the limit always runs)
  --target X       Mamori's target as a fraction of the limit (default 0.8)
  --keep           keep the corpus directory and print its path
  -h, --help       this text

Exit status: 0 whatever the PASS/FAIL of the target; 1 when a contender crashed or reported a
wrong result (wrong file count, bytes, or not exactly one finding); 2 on bad options.`;

function positive(name: string, value: string | undefined, fallback: number, integer = true): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${value}"`);
  return n;
}

async function main(): Promise<number> {
  let options: ScanBenchOptions;
  try {
    const { values } = parseArgs({
      options: {
        quick: { type: 'boolean', default: false },
        files: { type: 'string' },
        mb: { type: 'string' },
        runs: { type: 'string' },
        seed: { type: 'string' },
        only: { type: 'string' },
        target: { type: 'string' },
        keep: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    });
    if (values.help) { console.log(HELP); return 0; }
    const quick = values.quick ?? false;
    const only = values.only ? values.only.split(',').map((s) => s.trim()).filter(Boolean) : null;
    const known = ['sha256-limit', 'limit', 'mamori', 'sha256sum', 'clamscan'];
    for (const id of only ?? []) if (!known.includes(id)) throw new Error(`--only: unknown contender "${id}" (${known.join(', ')})`);
    options = {
      quick,
      files: positive('files', values.files, quick ? 300 : 2000),
      mb: positive('mb', values.mb, quick ? 80 : 700, false),
      runs: positive('runs', values.runs, 3),
      seed: positive('seed', values.seed, 1),
      only,
      target: positive('target', values.target, 0.8, false),
      keep: values.keep ?? false,
    };
    const minMb = (options.files * 1024) / 1e6;
    const maxMb = (options.files * 16 * 2 ** 20) / 1e6;
    if (options.mb < minMb || options.mb > maxMb) {
      throw new Error(`--mb ${options.mb} cannot be reached with ${options.files} files of 1 KiB-16 MiB (${minMb.toFixed(1)}-${maxMb.toFixed(0)} MB)`);
    }
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${HELP}`);
    return 2;
  }
  return scanThroughput(options);
}

main().then(
  (code) => { cleanupAll(); process.exit(code); },
  (err) => { console.error(`bench failed: ${(err as Error).stack ?? err}`); cleanupAll(); process.exit(1); },
);
