// An HTTP/0.9 ("hq-interop") client on one QUIC connection: one
// bidirectional stream per request carrying `GET /path\r\n` and FIN; the
// response is the file's bytes until FIN. Opens as many streams at once as
// the server allows and opens more as MAX_STREAMS arrives.
import type { ConnectionEvent } from '../quic/connection/connection-events.js';
import {
  type ClientConnectionHandle,
  openClientConnection,
  type QuicClientOptions,
} from '../src/quic/client-connection.js';
import type { UdpStack } from '../src/udp/udp-stack.js';

export interface Download {
  path: string;
  data: Uint8Array;
}

export interface HqClientResult {
  downloads: Download[];
  handshakeMs: number;
  totalMs: number;
  stats: ClientConnectionHandle['connection']['stats'];
  version: number;
  cipherSuite: number | undefined;
}

interface Request {
  path: string;
  chunks: Uint8Array[];
  bytes: number;
}

const READ_CHUNK = 1 << 20;

/** Downloads every path over one connection; rejects on a connection error or timeout. */
export function hqDownload(
  stack: UdpStack,
  options: QuicClientOptions,
  paths: readonly string[],
  timeoutMs = 60_000,
): Promise<HqClientResult> {
  return new Promise((resolve, reject) => {
    const start = stack.clock.now();
    let handshakeMs = 0;
    let handle: ClientConnectionHandle | undefined;
    const queue = [...paths];
    const open = new Map<number, Request>();
    const done: Download[] = [];
    let finished = false;
    const timer = stack.clock.setTimer(timeoutMs, () =>
      finish(
        new Error(`timed out after ${timeoutMs} ms with ${done.length}/${paths.length} files`),
      ),
    );

    const finish = (error?: Error) => {
      if (finished) return;
      finished = true;
      stack.clock.clearTimer(timer);
      const h = handle;
      if (!h) return reject(error);
      h.connection.close(stack.clock.now(), 0, error ? 'client error' : '');
      h.driver.service();
      // Give the CONNECTION_CLOSE a moment to leave, then release the port.
      stack.clock.setTimer(20, () => {
        h.driver.stop();
        void h.socket.close();
        if (error) reject(error);
        else
          resolve({
            downloads: done,
            handshakeMs,
            totalMs: stack.clock.now() - start,
            stats: h.connection.stats,
            version: h.connection.version,
            cipherSuite: h.connection.cipherSuite,
          });
      });
    };

    const openRequests = () => {
      const conn = handle!.connection;
      while (queue.length > 0) {
        const id = conn.openStream(true);
        if (id === null) break;
        const path = queue.shift()!;
        open.set(id, { path, chunks: [], bytes: 0 });
        conn.streamWrite(id, new TextEncoder().encode(`GET ${path}\r\n`), true);
      }
      handle!.driver.scheduleService();
    };

    const readStream = (id: number) => {
      const request = open.get(id);
      const conn = handle!.connection;
      if (!request) return;
      for (;;) {
        const result = conn.streamRead(id, READ_CHUNK, stack.clock.now());
        if (result === null) return;
        if ('resetCode' in result) {
          return finish(new Error(`${request.path}: stream reset with code ${result.resetCode}`));
        }
        if (result.data.length > 0) {
          request.chunks.push(result.data);
          request.bytes += result.data.length;
        }
        if (result.fin) {
          open.delete(id);
          done.push({ path: request.path, data: concat(request.chunks, request.bytes) });
          if (done.length === paths.length) return finish();
          return;
        }
        if (result.data.length === 0) return;
      }
    };

    const onEvent = (event: ConnectionEvent) => {
      switch (event.type) {
        case 'connected':
          handshakeMs = stack.clock.now() - start;
          openRequests();
          return;
        case 'stream':
          if (event.event.type === 'readable') readStream(event.event.streamId);
          else if (event.event.type === 'streams-available') openRequests();
          handle?.driver.scheduleService();
          return;
        case 'closed':
          if (!finished && (done.length < paths.length || event.info.code !== 0n)) {
            finish(
              new Error(
                `connection closed (${event.info.initiator}, code ${event.info.code}): ${event.info.reason}`,
              ),
            );
          }
          return;
        default:
          return;
      }
    };

    openClientConnection(stack, options, onEvent).then(
      (h) => {
        handle = h;
        if (finished) {
          h.driver.stop();
          void h.socket.close();
        }
      },
      (error: Error) => finish(error),
    );
  });
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
