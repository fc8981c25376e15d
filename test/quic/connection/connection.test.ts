import { describe, expect, it } from 'vitest';
import { parsePacketHeader } from '../../../quic/packet/packet-header.js';
import { PacketType } from '../../../quic/packet/packet-type.js';
import { ConnectionPair } from './connection-pair.js';

describe('Connection handshake in memory', () => {
  it('completes a handshake and confirms it on both sides', () => {
    const pair = new ConnectionPair();
    pair.run(() => pair.client.handshakeConfirmed && (pair.server?.handshakeConfirmed ?? false));
    expect(pair.client.state).toBe('established');
    expect(pair.server!.state).toBe('established');
    expect(pair.client.alpn).toBe('hq-interop');
    expect(pair.clientEvents.some((e) => e.type === 'connected')).toBe(true);
  });

  it('RFC 9001 §4.1.1: the client reports connected at completion, before confirmation', () => {
    const pair = new ConnectionPair();
    pair.run(() => pair.clientEvents.some((e) => e.type === 'connected'));
    expect(pair.client.handshakeComplete).toBe(true);
    expect(pair.client.handshakeConfirmed).toBe(false);
    expect(pair.client.openStream(true)).toBe(0);
  });

  it('RFC 9001 §5.7: 1-RTT packets that reach the server before the client Finished are read after it', () => {
    let hold = false;
    const held: Uint8Array[] = [];
    const pair = new ConnectionPair(
      {},
      {},
      {
        toServer: { drop: (_, d) => hold && held.push(d.slice()) > 0 },
      },
    );
    pair.run(() => pair.clientEvents.some((e) => e.type === 'connected'));
    hold = true;
    const id = pair.client.openStream(true)!;
    pair.client.streamWrite(id, new TextEncoder().encode('early'), true);
    pair.run(() => held.length > 0, 1);
    const server = pair.server!;
    expect(server.handshakeComplete).toBe(false);
    // Deliver only the 1-RTT packets, before the client's Finished arrives.
    for (const datagram of held) {
      for (let at = 0; at < datagram.length; ) {
        const header = parsePacketHeader(datagram, at, 8)!;
        if (header.packetType === PacketType.OneRtt)
          server.receive(pair.now, datagram.subarray(at));
        at = header.end;
      }
    }
    expect(() => server.streamRead(id, 100, pair.now)).toThrow(/does not exist/);
    hold = false;
    pair.run(() => server.handshakeComplete && pair.serverEvents.some((e) => e.type === 'stream'));
    const read = server.streamRead(id, 100, pair.now);
    expect(read && 'data' in read && new TextDecoder().decode(read.data)).toBe('early');
  });
});

/** Server side of a tiny request/response protocol: echo `size` bytes of a pattern per request. */
function serveEcho(pair: ConnectionPair, size: number) {
  const responded = new Set<number>();
  const writeOffset = new Map<number, number>();
  const body = new Uint8Array(size).map((_, i) => (i * 7) & 0xff);
  return () => {
    const server = pair.server;
    if (!server) return;
    for (const e of pair.serverEvents.splice(0)) {
      if (e.type !== 'stream' || e.event.type !== 'readable') continue;
      const id = e.event.streamId;
      for (let r = server.streamRead(id, 65536, pair.now); r && 'data' in r; ) {
        if (r.fin && !responded.has(id)) {
          responded.add(id);
          writeOffset.set(id, 0);
        }
        if (r.data.length === 0) break;
        r = server.streamRead(id, 65536, pair.now);
      }
    }
    for (const [id, offset] of writeOffset) {
      const n = server.streamWrite(id, body.subarray(offset), true);
      if (offset + n >= body.length) writeOffset.delete(id);
      else writeOffset.set(id, offset + n);
    }
  };
}

function download(pair: ConnectionPair, size: number, maxMs = 120_000) {
  const serve = serveEcho(pair, size);
  let id: number | null = null;
  const chunks: Uint8Array[] = [];
  let received = 0;
  let fin = false;
  pair.run(() => {
    serve();
    if (pair.client.handshakeConfirmed && id === null) {
      id = pair.client.openStream(true);
      pair.client.streamWrite(id!, new TextEncoder().encode('GET /\r\n'), true);
    }
    if (id !== null) {
      for (let r = pair.client.streamRead(id, 1 << 20, pair.now); r && 'data' in r; ) {
        if (r.data.length > 0) {
          chunks.push(r.data);
          received += r.data.length;
        }
        if (r.fin) fin = true;
        if (r.data.length === 0 || r.fin) break;
        r = pair.client.streamRead(id, 1 << 20, pair.now);
      }
    }
    return fin;
  }, maxMs);
  const all = new Uint8Array(received);
  let o = 0;
  for (const c of chunks) {
    all.set(c, o);
    o += c.length;
  }
  return { fin, data: all };
}

function expectPattern(data: Uint8Array, size: number) {
  expect(data.length).toBe(size);
  for (let i = 0; i < size; i++) {
    if (data[i] !== ((i * 7) & 0xff)) throw new Error(`byte ${i} differs`);
  }
}

describe('Connection streams in memory', () => {
  it('transfers 1 MB on one stream', () => {
    const pair = new ConnectionPair();
    const { fin, data } = download(pair, 1_000_000);
    expect(fin).toBe(true);
    expectPattern(data, 1_000_000);
  });

  it('transfers 2 MB with 2% loss each way', () => {
    let seed = 1;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed / 0x7fffffff;
    };
    const pair = new ConnectionPair(
      {},
      {},
      {
        toServer: { drop: () => rnd() < 0.02 },
        toClient: { drop: () => rnd() < 0.02 },
      },
    );
    const { fin, data } = download(pair, 2_000_000, 600_000);
    expect(fin).toBe(true);
    expectPattern(data, 2_000_000);
    expect(pair.server!.stats.packetsLost).toBeGreaterThan(0);
  });

  it('survives loss of the first client Initial and the first server flight', () => {
    const pair = new ConnectionPair(
      {},
      {},
      {
        toServer: { drop: (i) => i === 0 },
        toClient: { drop: (i) => i < 2 },
      },
    );
    const { fin, data } = download(pair, 10_000);
    expect(fin).toBe(true);
    expectPattern(data, 10_000);
  });
});
