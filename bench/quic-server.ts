// Our QUIC server for the benchmark, in its own process (forked by run.ts):
// a SocketServer speaking hq-interop (`GET /<n>` -> n bytes, then FIN), so
// our client and quic-go's client can both download from it.
//   node dist/bench/quic-server.js <cert.pem> <priv.key> <node|pure>
// Messages to the parent: { port } once listening; on 'stats' (after a
// forced GC when run with --expose-gc): { connections (dispatched and not
// closed), live (held until their closing period ends), memory }; on
// 'snapshot <file>': writes a V8 heap snapshot there, answers { snapshot }.
import { readFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';
import type { Socket } from '../src/index.js';
import { SocketServer } from '../src/server.js';

const CHUNK = 64 * 1024;
const decoder = new TextDecoder();

async function request(stream: Socket): Promise<string> {
  const reader = (stream.readable as unknown as ReadableStream<Uint8Array>).getReader();
  let text = '';
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    text += decoder.decode(r.value, { stream: true });
  }
  return text;
}

/** hq-interop: the request is `GET /<path>\r\n`; a path of digits is that many bytes. */
async function answer(stream: Socket): Promise<void> {
  const size = Number(/^GET \/(\d+)/.exec(await request(stream))?.[1] ?? Number.NaN);
  const writer = stream.writable.getWriter();
  if (!Number.isSafeInteger(size) || size > 2 ** 32) {
    await writer.abort(new Error('bad request'));
    return;
  }
  const block = new Uint8Array(CHUNK).map((_, i) => i & 0xff);
  for (let sent = 0; sent < size; sent += CHUNK) {
    await writer.write(block.subarray(0, Math.min(CHUNK, size - sent)));
  }
  await writer.close();
}

async function main(): Promise<void> {
  const [certFile, keyFile, provider] = process.argv.slice(2);
  const server = new SocketServer({
    type: 'quic',
    local: { address: '127.0.0.1', port: 0 },
    tls: {
      certificate: readFileSync(certFile!, 'utf8'),
      privateKey: readFileSync(keyFile!, 'utf8'),
      alpn: ['hq-interop'],
    },
    quic: {
      cryptoProvider: provider === 'pure' ? 'pure' : 'node',
      maxIdleTimeout: 600_000,
      maxConnections: 20_000,
      maxHandshakes: 20_000,
      maxHandshakesPerAddress: 20_000,
    },
  });
  const { localPort } = await server.ready;
  let connections = 0;
  process.on('message', (message) => {
    if (message === 'stats') {
      (globalThis as { gc?: () => void }).gc?.();
      process.send?.({
        connections,
        live: server.stats.connections,
        memory: process.memoryUsage(),
      });
    } else if (typeof message === 'string' && message.startsWith('snapshot ')) {
      // For finding what an idle connection holds: a V8 heap snapshot file.
      process.send?.({ snapshot: writeHeapSnapshot(message.slice('snapshot '.length)) });
    } else if (message === 'exit') {
      void server.close({ code: 0, reason: 'bench done' }).finally(() => process.exit(0));
    }
  });
  process.send?.({ port: localPort });
  for await (const connection of server) {
    connections++;
    void connection.closed.then(
      () => connections--,
      () => connections--,
    );
    void (async () => {
      const incoming = connection.incomingStreams.getReader();
      for (let next = await incoming.read(); !next.done; next = await incoming.read()) {
        void answer(next.value).catch(() => {});
      }
    })().catch(() => {});
  }
}

main().catch((error: unknown) => {
  console.error('bench server failed:', error);
  process.exit(1);
});
