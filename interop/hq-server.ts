// An HTTP/0.9 ("hq-interop") server over QuicListener: each client
// bidirectional stream carries `GET /path\r\n`; the answer is the file's
// bytes from the WWW directory, then FIN. Paths are resolved inside WWW
// only; a missing file or a bad request resets the stream.
import { readFile } from 'node:fs/promises';
import { join, normalize } from 'node:path';
import type { Connection } from '../quic/connection/connection.js';
import type { ConnectionEvent } from '../quic/connection/connection-events.js';
import { isBidirectional } from '../quic/streams/stream-id.js';
import {
  type AcceptedConnection,
  QuicListener,
  type QuicListenerOptions,
} from '../src/quic/server-listener.js';
import type { UdpStack } from '../src/udp/udp-stack.js';

/** Requests longer than this are refused (a request line is one short path). */
const MAX_REQUEST = 4096;
/** HTTP/0.9 has no status codes: a reset with this code says "not found / bad request". */
const HQ_REQUEST_ERROR = 0x10c;

interface Exchange {
  request: Uint8Array[];
  requestBytes: number;
  /** The request line is complete (further bytes and the FIN are drained). */
  requested: boolean;
  response: Uint8Array | undefined;
  sent: number;
}

export async function serveHq(
  stack: UdpStack,
  options: QuicListenerOptions,
  www: string,
): Promise<QuicListener> {
  return QuicListener.listen(stack, options, (accepted) => hqConnection(accepted, www, stack));
}

function hqConnection(
  accepted: AcceptedConnection,
  www: string,
  stack: UdpStack,
): (event: ConnectionEvent) => void {
  const { connection, driver } = accepted;
  const exchanges = new Map<number, Exchange>();
  const now = () => stack.clock.now();

  const pump = (id: number) => {
    const ex = exchanges.get(id);
    if (!ex?.response || !isOpen(connection)) return;
    if (ex.response.length === 0) {
      connection.streamWrite(id, ex.response, true);
      exchanges.delete(id);
      driver.scheduleService();
      return;
    }
    while (ex.sent < ex.response.length) {
      const n = connection.streamWrite(id, ex.response.subarray(ex.sent), true);
      ex.sent += n;
      if (n === 0) break;
    }
    if (ex.sent >= ex.response.length) exchanges.delete(id);
    driver.scheduleService();
  };

  const respond = async (id: number, request: string) => {
    const match = /^GET (\/[^\s]*)\s*$/.exec(request.trim());
    const path = match ? safePath(www, match[1]!) : undefined;
    let body: Uint8Array | undefined;
    if (path) body = await readFile(path).catch(() => undefined);
    if (!isOpen(connection)) return;
    if (!body) {
      connection.resetStream(id, HQ_REQUEST_ERROR);
      exchanges.delete(id);
      driver.scheduleService();
      return;
    }
    const ex = exchanges.get(id);
    if (!ex) return; // the client reset the stream meanwhile
    ex.response = new Uint8Array(body.buffer, body.byteOffset, body.length);
    pump(id);
  };

  const readRequest = (id: number) => {
    const ex = exchanges.get(id);
    if (!ex || ex.requested) return;
    for (;;) {
      const result = connection.streamRead(id, MAX_REQUEST, now());
      if (result === null) return;
      if ('resetCode' in result) {
        exchanges.delete(id);
        return;
      }
      ex.request.push(result.data);
      ex.requestBytes += result.data.length;
      if (ex.requestBytes > MAX_REQUEST) {
        connection.resetStream(id, HQ_REQUEST_ERROR);
        exchanges.delete(id);
        return;
      }
      const text = new TextDecoder().decode(concat(ex.request, ex.requestBytes));
      if (result.fin || text.includes('\n')) {
        ex.requested = true;
        void respond(id, text);
        return;
      }
      if (result.data.length === 0) return;
    }
  };

  return (event) => {
    if (event.type !== 'stream') return;
    const e = event.event;
    switch (e.type) {
      case 'opened':
        if (e.bidi && isBidirectional(e.streamId)) {
          exchanges.set(e.streamId, {
            request: [],
            requestBytes: 0,
            requested: false,
            response: undefined,
            sent: 0,
          });
        }
        return;
      case 'readable': {
        const ex = exchanges.get(e.streamId);
        if (ex && !ex.requested) readRequest(e.streamId);
        else drain(connection, e.streamId, now());
        driver.scheduleService();
        return;
      }
      case 'writable':
        pump(e.streamId);
        return;
      default:
        return;
    }
  };
}

/** Reads and discards what a stream still delivers (e.g. its FIN after the request line). */
function drain(connection: Connection, id: number, now: number): void {
  try {
    for (let r = connection.streamRead(id, 1 << 16, now); r !== null; ) {
      if ('resetCode' in r || r.fin || r.data.length === 0) return;
      r = connection.streamRead(id, 1 << 16, now);
    }
  } catch {
    // The stream is already gone.
  }
}

function isOpen(connection: Connection): boolean {
  return connection.state === 'handshake' || connection.state === 'established';
}

/** The file for a request path, or undefined when it would leave `www`. */
function safePath(www: string, path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  const relative = normalize(decoded).replace(/^(\.\.(\/|\\|$))+/, '');
  if (relative.includes('\0') || relative.split(/[\\/]/).includes('..')) return undefined;
  return join(www, relative);
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
