// `npm start`: a QUIC server and client on loopback through the Socket API.
// The server (SocketServer, with a freshly generated self-signed
// certificate) answers `GET /<bytes>` on each stream with that many bytes;
// the client (Socket type 'quic', pinning the certificate by its SHA-256)
// downloads a file and prints the handshake time, the throughput, and both
// sides' stats. No peers or network needed.
//
//   npm start            8 MiB
//   npm start -- 50      50 MiB

import { Socket } from './index.js';
import { generateSelfSignedCertificate } from './self-signed-certificate.js';
import { SocketServer } from './server.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const CHUNK = 64 * 1024;

async function readAll(readable: ReadableStream<unknown>): Promise<Uint8Array[]> {
  const chunks: Uint8Array[] = [];
  const reader = (readable as ReadableStream<Uint8Array>).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  return chunks;
}

/** Answers one request stream: `GET /<n>` -> n bytes (a repeating pattern), then FIN. */
async function answer(stream: Socket): Promise<void> {
  const request = decoder.decode(concat(await readAll(stream.readable)));
  const size = Number(/^GET \/(\d+)/.exec(request)?.[1] ?? Number.NaN);
  const writer = stream.writable.getWriter();
  if (!Number.isSafeInteger(size) || size < 0 || size > 1 << 30) {
    await writer.abort(new Error(`bad request ${JSON.stringify(request)}`));
    return;
  }
  const block = new Uint8Array(CHUNK).map((_, i) => i & 0xff);
  for (let sent = 0; sent < size; sent += CHUNK) {
    await writer.write(block.subarray(0, Math.min(CHUNK, size - sent)));
  }
  await writer.close();
}

async function serve(server: SocketServer): Promise<void> {
  for await (const connection of server) {
    void (async () => {
      const incoming = connection.incomingStreams.getReader();
      for (let next = await incoming.read(); !next.done; next = await incoming.read()) {
        void answer(next.value).catch(() => {});
      }
    })().catch(() => {});
  }
}

async function main(): Promise<void> {
  const mebibytes = Number(process.argv[2] ?? 8);
  if (!Number.isFinite(mebibytes) || mebibytes <= 0) throw new TypeError('size must be > 0 MiB');
  const size = Math.round(mebibytes * 1024 * 1024);
  const cert = await generateSelfSignedCertificate({ names: ['localhost', '127.0.0.1'] });
  const server = new SocketServer({
    type: 'quic',
    local: { address: '127.0.0.1', port: 0 },
    tls: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem, alpn: ['demo'] },
  });
  const { localAddress, localPort } = await server.ready;
  console.log(`QUIC server listening on ${localAddress}:${localPort}`);
  const serving = serve(server);

  const started = performance.now();
  const client = new Socket({
    type: 'quic',
    remote: { address: localAddress, port: localPort },
    tls: {
      alpn: ['demo'],
      serverCertificateHashes: [{ algorithm: 'sha-256', value: new Uint8Array(cert.sha256) }],
    },
  });
  const info = await client.opened;
  const handshakeMs = performance.now() - started;
  console.log(
    `connected to ${info.remoteAddress}:${info.remotePort} in ${handshakeMs.toFixed(1)} ms`,
  );

  const transferStart = performance.now();
  const stream = await client.openStream();
  const writer = stream.writable.getWriter();
  await writer.write(encoder.encode(`GET /${size}\r\n`));
  await writer.close();
  const received = (await readAll(stream.readable)).reduce((n, c) => n + c.length, 0);
  const seconds = (performance.now() - transferStart) / 1000;
  if (received !== size) throw new Error(`received ${received} of ${size} bytes`);
  console.log(
    `downloaded ${(size / 1048576).toFixed(1)} MiB in ${seconds.toFixed(2)} s: ${(size / 1e6 / seconds).toFixed(1)} MB/s`,
  );
  console.log('client stats:', JSON.stringify(client.stats));
  await client.close();
  await server.close({ code: 0, reason: 'demo done' });
  await serving;
  console.log('server stats:', JSON.stringify(server.stats));
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

main().catch((error: unknown) => {
  console.error('demo failed:', error);
  process.exitCode = 1;
});
