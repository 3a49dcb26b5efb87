// TLS front for the W3C suites: an https: listener (self-signed certificate made by run.sh) that
// forwards every request to the service's plain-HTTP port and appends one JSON line per exchange to
// a log (method, path, status, start/end time, the request and answer bodies, truncated), so the
// summary can show the service's answer behind each failing test. Never logs request headers
// (the suites send the institution's API key in Authorization).
//
// usage: node tls-front.mjs <listenPort> <targetPort> <cert.pem> <key.pem> <exchanges.jsonl>
import { appendFileSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';

const [listenPort, targetPort, certFile, keyFile, logFile] = process.argv.slice(2);
if (!logFile) {
  console.error('usage: node tls-front.mjs <listenPort> <targetPort> <cert.pem> <key.pem> <exchanges.jsonl>');
  process.exit(2);
}
const LIMIT = 4000;
const clip = (buffer) => {
  const text = buffer.toString('utf8');
  return text.length > LIMIT ? `${text.slice(0, LIMIT)}…(${text.length} chars)` : text;
};

const server = https.createServer({ cert: readFileSync(certFile), key: readFileSync(keyFile) }, (req, res) => {
  const t0 = Date.now();
  const requestChunks = [];
  req.on('data', (chunk) => requestChunks.push(chunk));
  req.on('end', () => {
    const requestBody = Buffer.concat(requestChunks);
    const headers = { ...req.headers, 'x-forwarded-proto': 'https', 'x-forwarded-for': req.socket.remoteAddress ?? '' };
    delete headers['content-length'];
    if (requestBody.length > 0 || req.method === 'POST' || req.method === 'PUT') headers['content-length'] = String(requestBody.length);
    const upstream = http.request({ host: '127.0.0.1', port: Number(targetPort), method: req.method, path: req.url, headers }, (answer) => {
      const answerChunks = [];
      answer.on('data', (chunk) => answerChunks.push(chunk));
      answer.on('end', () => {
        const answerBody = Buffer.concat(answerChunks);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        res.end(answerBody);
        const line = { t0, t1: Date.now(), method: req.method, path: req.url, status: answer.statusCode, request: clip(requestBody), answer: clip(answerBody) };
        try {
          appendFileSync(logFile, `${JSON.stringify(line)}\n`);
        } catch {
          /* a log we cannot write never breaks the exchange */
        }
      });
    });
    upstream.on('error', (error) => {
      res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`tls-front: upstream error: ${error.message}`);
      appendFileSync(
        logFile,
        `${JSON.stringify({ t0, t1: Date.now(), method: req.method, path: req.url, status: 502, request: clip(requestBody), answer: `upstream error: ${error.message}` })}\n`,
      );
    });
    upstream.end(requestBody);
  });
});
server.keepAliveTimeout = 5000;
server.listen(Number(listenPort), '127.0.0.1', () => console.log(`tls-front: https://127.0.0.1:${listenPort} -> http://127.0.0.1:${targetPort}`));
const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
