// A program run inside one machine's network namespace (nsenter --net=/var/run/netns/dp-mN): an
// HTTP forwarder listening on a unix socket, a path on the shared file system that any namespace
// reaches. `GET /` with the header `x-probe-target: IP:PORT` is sent on to http://IP:PORT/ from
// inside the machine, where the containers' bridge addresses answer; the reply is the target's
// status and body, or 502 with why the target did not answer. Prints `listening` when ready.
//
//   node --import tsx test/reliability/forwarder-program.ts SOCKET [TIMEOUT_MS]
import { rmSync } from 'node:fs';
import { createServer, get } from 'node:http';

const socketPath = process.argv[2];
const timeoutMs = Number(process.argv[3] ?? 1000);
if (!socketPath) {
  process.stderr.write('usage: forwarder-program.ts SOCKET [TIMEOUT_MS]\n');
  process.exit(2);
}
rmSync(socketPath, { force: true });

createServer((req, res) => {
  const target = String(req.headers['x-probe-target'] ?? '');
  const colon = target.lastIndexOf(':');
  const fail = (why: string) => {
    if (res.headersSent) return;
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`${target}: ${why}`);
  };
  if (colon <= 0) return fail('no x-probe-target IP:PORT header');
  const upstream = get({ host: target.slice(0, colon), port: Number(target.slice(colon + 1)), path: '/', agent: false, timeout: timeoutMs }, (answer) => {
    let body = '';
    answer.setEncoding('utf8');
    answer.on('data', (d: string) => (body += d));
    answer.on('end', () => {
      res.writeHead(answer.statusCode ?? 502, { 'content-type': 'text/plain' });
      res.end(body);
    });
    answer.on('error', (e) => fail(e.message));
  });
  upstream.on('timeout', () => upstream.destroy(new Error(`no answer within ${timeoutMs} ms`)));
  upstream.on('error', (e) => fail(e.message));
}).listen(socketPath, () => process.stdout.write('listening\n'));
