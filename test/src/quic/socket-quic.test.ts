import { afterEach, describe, expect, it } from 'vitest';
import { Socket, SocketError } from '../../../src/index.js';
import { nodeUdpStack } from '../../../src/udp/node-dgram.js';
import { SimulatedNetwork } from '../../../src/udp/simulated-network.js';
import { random } from '../../fixtures/tls/chains.js';
import { HqTestServer, pattern, testCa } from './hq-test-server.js';

const encoder = new TextEncoder();

async function readAll(readable: ReadableStream<unknown>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (readable as ReadableStream<Uint8Array>).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) {
    chunks.push(r.value);
    total += r.value.length;
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

async function request(socket: Socket, path: string): Promise<Uint8Array> {
  const stream = await socket.openStream();
  const writer = stream.writable.getWriter();
  await writer.write(encoder.encode(`GET ${path}\r\n`));
  await writer.close();
  return readAll(stream.readable);
}

function expectPattern(data: Uint8Array, size: number): void {
  expect(data.length).toBe(size);
  const want = pattern(size);
  for (let i = 0; i < size; i++) if (data[i] !== want[i]) throw new Error(`byte ${i} differs`);
}

function quicInit(address: string, port: number, extra: Record<string, unknown> = {}) {
  return {
    type: 'quic' as const,
    remote: { address, port },
    tls: { serverName: 'server.example', alpn: ['hq-interop'], ca: [testCa.der] },
    ...extra,
  };
}

describe('Socket type quic over real UDP', () => {
  let server: HqTestServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('opens, reports info, downloads on a stream and closes cleanly (127.0.0.1)', async () => {
    server = await HqTestServer.start(nodeUdpStack, '127.0.0.1', random);
    const socket = new Socket(quicInit('127.0.0.1', server.port));
    const info = await socket.opened;
    expect(info.alpn).toBe('hq-interop');
    expect(info.version).toBe(1);
    expect(info.remoteAddress).toBe('127.0.0.1');
    expect(info.remotePort).toBe(server.port);
    expect(info.localPort).toBeGreaterThan(0);
    expectPattern(await request(socket, '/bytes/300000'), 300000);
    const stats = socket.stats;
    expect(stats.packetsReceived).toBeGreaterThan(100);
    expect(stats.smoothedRtt).toBeGreaterThan(0);
    expect(stats.congestionWindow).toBeGreaterThan(0);
    await socket.close();
    await expect(socket.closed).resolves.toBeUndefined();
  });

  it('works over IPv6 loopback (::1)', async () => {
    try {
      server = await HqTestServer.start(nodeUdpStack, '::1', random);
    } catch {
      return; // no IPv6 loopback on this machine
    }
    const socket = new Socket(quicInit('::1', server.port));
    await socket.opened;
    expectPattern(await request(socket, '/bytes/5000'), 5000);
    await socket.close();
  });

  it('the default readable/writable are one bidirectional stream', async () => {
    server = await HqTestServer.start(nodeUdpStack, '127.0.0.1', random);
    const socket = new Socket(quicInit('127.0.0.1', server.port));
    const writer = socket.writable.getWriter();
    await writer.write(encoder.encode('GET /echo\r\nhello '));
    await writer.write(encoder.encode('world'));
    await writer.close();
    expect(new TextDecoder().decode(await readAll(socket.readable))).toBe('hello world');
    await socket.close();
  });

  it('rejects ready with a transport SocketError when the certificate is not trusted', async () => {
    server = await HqTestServer.start(nodeUdpStack, '127.0.0.1', random);
    const socket = new Socket({
      type: 'quic',
      remote: { address: '127.0.0.1', port: server.port },
      tls: { serverName: 'server.example', alpn: ['hq-interop'], ca: [] },
    });
    const error = await socket.opened.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).type).toBe('transport');
    // RFC 9001 §4.8: CRYPTO_ERROR 0x100 + unknown_ca (48).
    expect((error as SocketError).code).toBe(0x100n + 48n);
    await expect(socket.closed).rejects.toBe(error);
  });

  it('rejects closed with an application SocketError when the peer closes with a code', async () => {
    server = await HqTestServer.start(nodeUdpStack, '127.0.0.1', random);
    const socket = new Socket(quicInit('127.0.0.1', server.port));
    await socket.opened;
    const stream = await socket.openStream();
    const writer = stream.writable.getWriter();
    await writer.write(encoder.encode('GET /close/42\r\n'));
    const error = await socket.closed.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SocketError);
    expect((error as SocketError).type).toBe('application');
    expect((error as SocketError).code).toBe(42n);
  });

  it('writable.abort() sends RESET_STREAM and readable.cancel() sends STOP_SENDING', async () => {
    server = await HqTestServer.start(nodeUdpStack, '127.0.0.1', random);
    const socket = new Socket(quicInit('127.0.0.1', server.port));
    await socket.opened;
    const stream = await socket.openStream();
    const writer = stream.writable.getWriter();
    await writer.write(encoder.encode('GET /echo\r\nabc'));
    await writer.abort(7);
    await stream.readable.cancel(9);
    const deadline = Date.now() + 3000;
    while ((server.resets.length === 0 || server.stops.length === 0) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(server.resets[0]?.code).toBe(7n);
    expect(server.stops[0]?.code).toBe(9n);
    await socket.close();
  });

  it('carries datagrams both ways and accepts peer-opened streams', async () => {
    server = await HqTestServer.start(nodeUdpStack, '127.0.0.1', random);
    const socket = new Socket(quicInit('127.0.0.1', server.port));
    await socket.opened;
    const dgWriter = socket.datagrams.writable.getWriter();
    await dgWriter.write(encoder.encode('ping'));
    const dgReader = socket.datagrams.readable.getReader();
    const echoed = await dgReader.read();
    expect(new TextDecoder().decode(echoed.value)).toBe('ping');
    await request(socket, '/push');
    const incoming = socket.incomingStreams.getReader();
    const pushed = await incoming.read();
    expect(new TextDecoder().decode(await readAll((pushed.value as Socket).readable))).toBe(
      'pushed',
    );
    await socket.close();
  });
});

describe('Socket type quic: bad arguments', () => {
  it.each([
    [{ type: 'quic', remote: { address: '127.0.0.1', port: 443 }, tls: {} }, 'init.tls.alpn'],
    [
      { type: 'quic', remote: { address: '127.0.0.1', port: 443 }, tls: { alpn: [] } },
      'init.tls.alpn',
    ],
    [{ type: 'quic', tls: { alpn: ['h3'] } }, 'init.remote'],
    [
      { type: 'quic', remote: { address: '127.0.0.1', port: 70000 }, tls: { alpn: ['h3'] } },
      'init.remote.port',
    ],
    [
      {
        type: 'quic',
        remote: { address: '127.0.0.1', port: 443 },
        tls: { alpn: ['h3'], cipherSuites: ['RC4'] },
      },
      'init.tls.cipherSuites[0]',
    ],
    [
      {
        type: 'quic',
        remote: { address: '127.0.0.1', port: 443 },
        tls: { alpn: ['h3'] },
        quic: { congestionControl: 'bbr' },
      },
      'init.quic.congestionControl',
    ],
  ])('%j throws a TypeError naming %s', (init, field) => {
    expect(() => new Socket(init as never)).toThrow(TypeError);
    expect(() => new Socket(init as never)).toThrow(field);
  });

  it('QUIC-only members throw a TypeError on UDP sockets', () => {
    const udp = new Socket({ type: 'udp', remote: { address: '127.0.0.1', port: 9 } });
    expect(() => udp.incomingStreams).toThrow(TypeError);
    udp.abort();
  });
});

describe('Socket type quic on the simulated network', () => {
  it('downloads 10 MB with 1% random loss, byte for byte', async () => {
    const net = new SimulatedNetwork({ seed: 7 });
    const client = net.host('10.0.0.1');
    const serverHost = net.host('10.0.0.2', { names: ['server.example'] });
    net.link(client, serverHost, {
      delayMs: 10,
      bandwidthBps: 100_000_000,
      queuePackets: 100,
      loss: 0.01,
    });
    const server = await HqTestServer.start(serverHost, '10.0.0.2', (n) => net.randomBytes(n));
    const socket = new Socket({ ...quicInit('server.example', server.port), stack: client });
    await net.runUntil(socket.opened, { maxTimeMs: 10_000 });
    const size = 10_000_000;
    const body = await net.runUntil(request(socket, `/bytes/${size}`), { maxTimeMs: 600_000 });
    expectPattern(body!, size);
    expect(socket.stats.packetsLost).toBeGreaterThan(0);
    const closing = socket.close();
    await net.runUntil(closing, { maxTimeMs: 10_000 });
    await server.close();
  }, 120_000);
});
