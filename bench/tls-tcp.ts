// The reference: the same download over Node's TLS over TCP (TLS 1.3), in
// two processes (forked by run.ts):
//   server <cert.pem> <priv.key>   reports { port }; `GET /<n>\r\n` -> n bytes
//   client <port> <bytes>          reports { bytes, seconds, handshakeMs }
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:tls';

const CHUNK = 64 * 1024;

function server(certFile: string, keyFile: string): void {
  const block = Buffer.alloc(CHUNK, 0x5a);
  const listener = createServer(
    { cert: readFileSync(certFile), key: readFileSync(keyFile), minVersion: 'TLSv1.3' },
    (socket) => {
      let request = '';
      socket.on('data', (data: Buffer) => {
        request += data.toString();
        const match = /^GET \/(\d+)\r\n/.exec(request);
        if (!match) return;
        let left = Number(match[1]);
        const pump = (): void => {
          while (left > 0) {
            const n = Math.min(CHUNK, left);
            left -= n;
            if (!socket.write(n === CHUNK ? block : block.subarray(0, n))) {
              socket.once('drain', pump);
              return;
            }
          }
          socket.end();
        };
        pump();
      });
      socket.on('error', () => {});
    },
  );
  listener.listen(0, '127.0.0.1', () => {
    const address = listener.address();
    process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
  });
  process.on('message', () => listener.close(() => process.exit(0)));
}

function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function client(port: number, size: number): void {
  const started = performance.now();
  let transferStart = 0;
  let cpuStart = 0;
  let handshakeMs = 0;
  let bytes = 0;
  const socket = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
    handshakeMs = performance.now() - started;
    transferStart = performance.now();
    cpuStart = cpuSeconds();
    socket.write(`GET /${size}\r\n`);
  });
  socket.on('data', (data: Buffer) => {
    bytes += data.length;
  });
  socket.on('end', () => {
    process.send?.({
      bytes,
      seconds: (performance.now() - transferStart) / 1000,
      handshakeMs,
      cpu: cpuSeconds() - cpuStart,
    });
    socket.destroy();
  });
}

const [role, a, b] = process.argv.slice(2);
if (role === 'server') server(a!, b!);
else client(Number(a), Number(b));
