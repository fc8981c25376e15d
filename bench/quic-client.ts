// Our QUIC client for the benchmark, in its own process (forked by run.ts):
//   download <port> <bytes> <node|pure>  the public Socket API, one stream,
//       hq-interop `GET /<bytes>`; reports { bytes, seconds, handshakeMs, cpu }
//       (seconds and CPU seconds of the transfer, after the handshake)
//   latency <port> <count>    sequential new connections, then as many
//       resumed with a session ticket; reports each one's ms to 'connected'
//   rate <port> <count> <parallel>  full handshakes, <parallel> at a time;
//       reports { seconds, failures }
//   idle <port> <count> <parallel>  opens <count> connections and keeps them
//       idle; reports { opened, failures }, closes them on 'close'
import type { SessionTicket } from '../crypto/tls/session-ticket.js';
import { Socket } from '../src/index.js';
import {
  type ClientConnectionHandle,
  openClientConnection,
} from '../src/quic/client-connection.js';
import { nodeUdpStack } from '../src/udp/node-dgram.js';

const encoder = new TextEncoder();

/** This process's user + system CPU seconds. */
function cpuNow(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function report(message: object): void {
  process.send?.(message);
}

async function download(port: number, size: number, provider: 'node' | 'pure'): Promise<void> {
  const started = performance.now();
  const client = new Socket({
    type: 'quic',
    remote: { address: '127.0.0.1', port },
    tls: { alpn: ['hq-interop'], serverName: 'localhost', dangerouslySkipVerification: true },
    quic: { cryptoProvider: provider },
  });
  await client.opened;
  const handshakeMs = performance.now() - started;
  const transferStart = performance.now();
  const cpuStart = cpuNow();
  const stream = await client.openStream();
  const writer = stream.writable.getWriter();
  await writer.write(encoder.encode(`GET /${size}\r\n`));
  await writer.close();
  const reader = (stream.readable as unknown as ReadableStream<Uint8Array>).getReader();
  let bytes = 0;
  for (let r = await reader.read(); !r.done; r = await reader.read()) bytes += r.value.length;
  const seconds = (performance.now() - transferStart) / 1000;
  const cpu = cpuNow() - cpuStart;
  const { datagramsSent, datagramsReceived, packetsLost } = client.stats;
  await client.close();
  report({ bytes, seconds, handshakeMs, cpu, datagramsSent, datagramsReceived, packetsLost });
}

interface Opened {
  handle: ClientConnectionHandle;
  ms: number;
  ticket: Promise<SessionTicket | undefined>;
}

/** One connection to 'connected' (rejects if it closes first); the ticket arrives after. */
function connect(port: number, sessionTicket?: SessionTicket): Promise<Opened> {
  const started = performance.now();
  let gotTicket: (t: SessionTicket | undefined) => void = () => {};
  const ticket = new Promise<SessionTicket | undefined>((resolve) => {
    gotTicket = resolve;
  });
  return new Promise((resolve, reject) => {
    let ms = -1;
    const handle = openClientConnection(
      nodeUdpStack,
      {
        host: '127.0.0.1',
        port,
        serverName: 'localhost',
        alpn: ['hq-interop'],
        dangerouslySkipVerification: true,
        transport: { maxIdleTimeout: 600_000 },
        ...(sessionTicket ? { sessionTicket } : {}),
      },
      (event) => {
        if (event.type === 'session-ticket') gotTicket(event.ticket);
        if (event.type === 'closed') gotTicket(undefined);
        if (ms >= 0) return;
        if (event.type === 'connected') {
          ms = performance.now() - started;
          void handle.then((h) => resolve({ handle: h, ms, ticket }));
        } else if (event.type === 'closed') {
          ms = 0;
          reject(new Error(`closed: ${event.info.reason}`));
        }
      },
    );
    handle.catch(reject);
  });
}

async function close({ handle }: Opened): Promise<void> {
  handle.connection.close(nodeUdpStack.clock.now(), 0, '');
  handle.driver.service();
  handle.driver.stop();
  await handle.socket.close();
}

async function latency(port: number, count: number): Promise<void> {
  for (let i = 0; i < 20; i++) await close(await connect(port)); // JIT warm-up
  const full: number[] = [];
  let ticket: SessionTicket | undefined;
  for (let i = 0; i < count; i++) {
    const opened = await connect(port);
    full.push(opened.ms);
    if (i === count - 1) ticket = await opened.ticket;
    await close(opened);
  }
  const resumed: number[] = [];
  let resumedCount = 0;
  for (let i = 0; i < count && ticket; i++) {
    const opened = await connect(port, ticket);
    resumed.push(opened.ms);
    // Each ticket is used once (RFC 8446 §C.4); the next comes from this connection.
    const next = await opened.ticket;
    if (next) resumedCount++;
    ticket = next;
    await close(opened);
  }
  report({ full, resumed, resumedCount });
}

async function rate(port: number, count: number, parallel: number): Promise<void> {
  for (let i = 0; i < 20; i++) await close(await connect(port));
  let next = 0;
  let failures = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        await connect(port).then(close, () => failures++);
      }
    }),
  );
  report({ seconds: (performance.now() - started) / 1000, failures });
}

async function idle(port: number, count: number, parallel: number): Promise<void> {
  const open: Opened[] = [];
  let next = 0;
  let failures = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < count) {
        next++;
        await connect(port).then(
          (o) => void open.push(o),
          () => failures++,
        );
      }
    }),
  );
  process.on('message', () => {
    void Promise.all(open.map(close)).finally(() => {
      report({ closed: open.length });
      process.exit(0);
    });
  });
  report({ opened: open.length, failures });
}

const [role, port, a, b] = process.argv.slice(2);
const run =
  role === 'download'
    ? download(Number(port), Number(a), b === 'pure' ? 'pure' : 'node')
    : role === 'latency'
      ? latency(Number(port), Number(a))
      : role === 'rate'
        ? rate(Number(port), Number(a), Number(b))
        : idle(Number(port), Number(a), Number(b));
run.catch((error: unknown) => {
  console.error(`bench client (${role}) failed:`, error);
  process.exit(1);
});
