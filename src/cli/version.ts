/** The package version, for --version and the User-Agent. */
import { readFileSync } from 'node:fs';

export const VERSION: string = (() => {
  // src/cli/ in the sources, dist/src/cli/ when built (npm run build).
  for (const file of ['../../package.json', '../../../package.json']) {
    try {
      return (JSON.parse(readFileSync(new URL(file, import.meta.url), 'utf8')) as { version?: string }).version ?? '0.0.0';
    } catch {
      // not there: the next
    }
  }
  return '0.0.0';
})();
