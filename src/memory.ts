/**
 * Giving memory back after a burst. V8 collects a thread's garbage when that thread allocates, so a
 * service that goes quiet after a 10,000-row cohort kept the cohort's garbage resident: ~130 MiB on
 * the main thread alone, until traffic resumed (measured 2026-12-04, docs/performance.md). Each
 * thread that does large work (the main thread, the signing workers, the database thread) keeps one
 * of these: it is told when the thread is busy, and once the thread has been quiet for QUIET_MS with
 * its heap grown by GROWTH since the last collection, it runs one full collection. Under steady
 * load it never runs (the thread is never quiet); V8 collects as it always does.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const QUIET_MS = 2_000;
const GROWTH = 32 * 1024 * 1024;

let collect: (() => void) | undefined;

/**
 * V8's full collection. `--expose-gc` set while running applies to contexts made after it, so the
 * function comes from a new one; the flag is process-wide, and each thread gets its own function.
 */
function fullCollection(): () => void {
  if (!collect) {
    setFlagsFromString('--expose-gc');
    collect = runInNewContext('gc') as () => void;
  }
  return collect;
}

export interface MemoryRelease {
  /** This thread did some work (cheap: a timestamp). */
  busy(): void;
  stop(): void;
}

export function releaseMemoryWhenQuiet(): MemoryRelease {
  const gc = fullCollection();
  let lastBusy = 0;
  let busySinceCheck = false;
  let liveAfterCollection = getHeapStatistics().used_heap_size;
  const timer = setInterval(() => {
    if (!busySinceCheck || Date.now() - lastBusy < QUIET_MS) return;
    busySinceCheck = false;
    if (getHeapStatistics().used_heap_size < liveAfterCollection + GROWTH) return;
    gc();
    liveAfterCollection = getHeapStatistics().used_heap_size;
  }, 1_000);
  // Never what keeps a process or a thread alive.
  timer.unref();
  return {
    busy() {
      lastBusy = Date.now();
      busySinceCheck = true;
    },
    stop: () => clearInterval(timer),
  };
}
