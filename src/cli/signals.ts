/** Ctrl-C during a long run: the handler writes what is known, then the process ends. */
export function onInterrupt(handler: () => void): () => void {
  const listener = () => handler();
  process.once('SIGINT', listener);
  process.once('SIGTERM', listener);
  return () => {
    process.off('SIGINT', listener);
    process.off('SIGTERM', listener);
  };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
