/**
 * A progress bar on stderr (cli-progress) when stderr is a terminal; nothing otherwise, so logs and
 * pipes get only the final summary.
 */
import cliProgress from 'cli-progress';

export interface Progress<P extends Record<string, string | number>> {
  update(value: number, payload: P): void;
  stop(): void;
}

export function createProgress<P extends Record<string, string | number>>(stream: NodeJS.WriteStream, format: string, total: number, payload: P): Progress<P> {
  if (!stream.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format, stream, hideCursor: true, barsize: 30, etaBuffer: 5, clearOnComplete: false, autopadding: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, payload);
  let stopped = false;
  return {
    update(value, next) {
      if (!stopped) bar.update(value, next);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
