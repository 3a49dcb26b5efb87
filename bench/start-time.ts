/**
 * How quickly Ieum starts (issue 24): `npm start` on an existing embedded database to the first 200
 * from /health, and the wall time of `ieum --help` (bin/ieum.mjs). Each the median of RUNS (3).
 *
 * `npx tsx bench/start-time.ts` prints both; bench/run.ts adds them to its table.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/process.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const RUNS = Number(process.env.BENCH_START_RUNS ?? 3);
/** How long the service is left quiet before its memory is read, here and in bench/run.ts (src/memory.ts gives a burst's garbage back after 2 s). */
export const QUIET_MS = 5_000;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

/** Resident MiB of the service `npm start` runs in the process group `group` (npm, its shell, then node). */
function serviceRss(group: number): number {
  const pid = execFileSync('pgrep', ['-g', String(group), '-f', 'build.mjs --start'])
    .toString()
    .trim()
    .split('\n')
    .at(-1)!;
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

/**
 * One `npm start` on `dataDir`: milliseconds from spawning it to the first 200 from /health, and its
 * resident memory QUIET_MS later.
 */
async function startOnce(dataDir: string, keysDir: string): Promise<{ ms: number; rss: number }> {
  const port = await freePort();
  const started = performance.now();
  // detached: its own process group, so npm, the shell and node all get the signal at the end.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', DATA_DIR: dataDir, KEYS_DIR: keysDir, LOG_LEVEL: 'warn', DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`npm start exited: ${output}`);
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).status === 200) {
          const ms = performance.now() - started;
          await new Promise((r) => setTimeout(r, QUIET_MS));
          return { ms, rss: serviceRss(child.pid!) };
        }
      } catch {
        // not listening yet
      }
      if (performance.now() - started > 120_000) throw new Error(`npm start did not answer in 120 s: ${output}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

/**
 * Median ms from `npm start` to /health 200 on a data directory made (and migrated) by a first start,
 * and the median resident MiB of those starts once idle.
 */
export async function measureStart(): Promise<{ median: number; runs: number[]; rss: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'ieum-start-'));
  try {
    const dataDir = path.join(dir, 'data');
    const keysDir = path.join(dir, 'keys');
    await startOnce(dataDir, keysDir); // creates and migrates the database: not counted
    const starts: { ms: number; rss: number }[] = [];
    for (let i = 0; i < RUNS; i++) starts.push(await startOnce(dataDir, keysDir));
    const runs = starts.map((s) => s.ms);
    return { median: median(runs), runs, rss: median(starts.map((s) => s.rss)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Median wall ms of `node bin/ieum.mjs --help`. */
export async function measureHelp(): Promise<{ median: number; runs: number[] }> {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    const child = spawn(process.execPath, [path.join(root, 'bin/ieum.mjs'), '--help'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    if (code !== 0) throw new Error(`ieum --help exited ${code}: ${output}`);
    runs.push(performance.now() - started);
  }
  return { median: median(runs), runs };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const help = await measureHelp();
  console.log(`ieum --help: median ${help.median.toFixed(0)} ms (${help.runs.map((r) => r.toFixed(0)).join(', ')}); target ≤ 300 ms`);
  const start = await measureStart();
  console.log(`npm start to /health 200: median ${start.median.toFixed(0)} ms (${start.runs.map((r) => r.toFixed(0)).join(', ')}); target ≤ 2,000 ms`);
}
