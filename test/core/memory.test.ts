/**
 * src/memory.ts: once a thread that was busy has been quiet for two seconds with its heap grown,
 * one full collection gives the garbage back; under steady work it waits. No database is touched,
 * so this runs in the PGlite project alone.
 */
import { getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { releaseMemoryWhenQuiet } from '../../src/memory.js';
import { onPostgres } from '../helpers/app.js';

const usedMiB = () => getHeapStatistics().used_heap_size / 2 ** 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** ~100 MiB of objects, dropped at once: garbage that nothing allocates after to collect. */
function makeGarbage(): void {
  let rows: { id: number; text: string }[] | undefined = [];
  for (let i = 0; i < 1_000_000; i++) rows.push({ id: i, text: `학습자 ${i} learner-${i}@example.com` });
  rows = undefined;
}

describe.skipIf(onPostgres())('releasing memory when quiet', () => {
  it('collects a burst of garbage two seconds after the last busy moment, not before', async () => {
    const memory = releaseMemoryWhenQuiet();
    try {
      makeGarbage();
      memory.busy();
      const afterBurst = usedMiB();
      // Still "busy" (within two seconds): nothing is collected by it yet.
      await sleep(1_200);
      memory.busy();
      await sleep(1_200);
      expect(usedMiB()).toBeGreaterThan(afterBurst - 40);
      // Quiet now: within the next checks the garbage is gone.
      await sleep(3_500);
      expect(usedMiB()).toBeLessThan(afterBurst - 60);
    } finally {
      memory.stop();
    }
  });
});
