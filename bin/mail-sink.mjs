#!/usr/bin/env node
/**
 * `npm run mail-sink`: a real SMTP server for development and tests (the `smtp-server` package),
 * accepting every mail and writing each as an .eml file into a folder, so a person opens them
 * and a test reads them. Not for production: it authenticates no one and delivers nothing onward.
 *
 *   node bin/mail-sink.mjs [--port 2525] [--dir data/mail]
 *
 * Prints `listening on <port>` once it accepts connections. Each file is written under a temporary
 * name and renamed, so a reader never sees half a mail.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] ? args[i + 1] : fallback;
};
const port = Number(option('port', '2525'));
const dir = path.resolve(option('dir', 'data/mail'));
mkdirSync(dir, { recursive: true });

let received = 0;
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  size: 10 * 1024 * 1024,
  logger: false,
  onData(stream, _session, callback) {
    const chunks = [];
    stream.on('data', (chunk) => chunks.push(chunk));
    stream.on('end', () => {
      received += 1;
      const name = `${Date.now()}-${process.pid}-${received}`;
      const tmp = path.join(dir, `.${name}.tmp`);
      writeFileSync(tmp, Buffer.concat(chunks));
      renameSync(tmp, path.join(dir, `${name}.eml`));
      callback();
    });
  },
});
server.on('error', (error) => console.error(`mail-sink: ${error.message}`));
server.listen(port, '127.0.0.1', () => {
  console.log(`mail-sink listening on ${server.server.address().port}, writing to ${dir}`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
