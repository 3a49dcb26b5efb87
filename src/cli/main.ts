/**
 * The `ieum` command line: `npx ieum …` (bin/ieum.mjs), `npm run cli -- …`, or
 * `node --import tsx src/cli/main.ts …`. It talks to a running service over HTTP; see `ieum --help`.
 */
import { run } from './cli.js';

// A closed pipe (`ieum … | head`) ends the output, not the process with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env });
