/**
 * Waiting for a condition, not for time: a test that needs work to be in flight (rows stored, a
 * server answering again) asks the database or the service until it is so. The bound only stops a
 * test that would otherwise hang; how long the wait took is never asserted.
 */
export async function waitUntil(what: string, condition: () => unknown | Promise<unknown>, { tries = 1000, pauseMs = 20 } = {}): Promise<void> {
  for (let attempt = 0; attempt < tries; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, pauseMs));
  }
  throw new Error(`Waited in vain (${tries} times) for: ${what}`);
}
