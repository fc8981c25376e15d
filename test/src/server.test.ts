import { afterEach, describe, expect, it } from 'vitest';
import '../../src/index.js';
import { generateSelfSignedCertificate } from '../../src/self-signed-certificate.js';
import { SocketServer } from '../../src/server.js';
import { Socket } from '../../src/socket.js';

const cert = await generateSelfSignedCertificate({ names: ['localhost', '127.0.0.1'] });
const servers: SocketServer[] = [];

function makeServer(quic: Record<string, unknown> = {}): SocketServer {
  const server = new SocketServer({
    type: 'quic',
    local: { address: '127.0.0.1', port: 0 },
    tls: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem, alpn: ['test'] },
    quic,
  });
  servers.push(server);
  return server;
}

function client(port: number): Socket {
  return new Socket({
    type: 'quic',
    remote: { address: '127.0.0.1', port },
    tls: {
      alpn: ['test'],
      serverCertificateHashes: [{ algorithm: 'sha-256', value: new Uint8Array(cert.sha256) }],
    },
  });
}

async function readAll(readable: ReadableStream<unknown>): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  const reader = (readable as ReadableStream<Uint8Array>).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}

/** Echo server: every incoming stream's bytes go back reversed, then FIN. */
async function serveReversed(socket: Socket): Promise<void> {
  const incoming = socket.incomingStreams.getReader();
  for (let next = await incoming.read(); !next.done; next = await incoming.read()) {
    const stream = next.value;
    void (async () => {
      const data = await readAll(stream.readable);
      const writer = stream.writable.getWriter();
      await writer.write(data.slice().reverse());
      await writer.close();
    })();
  }
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close().catch(() => {})));
});

describe('SocketServer (QUIC over loopback)', () => {
  it('accepts a client: connect event and async iteration give the same Socket, streams work', async () => {
    const server = makeServer({ retry: 'never' });
    const { localPort } = await server.ready;
    const fromEvents: Socket[] = [];
    server.addEventListener('connect', (event) => {
      fromEvents.push((event as unknown as { socket: Socket }).socket);
    });
    const iterator = server[Symbol.asyncIterator]();
    const c = client(localPort);
    await c.opened;
    const { value: accepted } = await iterator.next();
    expect(fromEvents).toEqual([accepted]);
    void serveReversed(accepted as Socket);
    const stream = await c.openStream();
    const writer = stream.writable.getWriter();
    await writer.write(new TextEncoder().encode('hello server'));
    await writer.close();
    const answer = await readAll(stream.readable);
    expect(new TextDecoder().decode(answer)).toBe('revres olleh');
    expect(server.stats.connectionsAccepted).toBe(1);
    expect(server.stats.connections).toBe(1);
    await c.close();
  });

  it('sends Retry when asked to and still connects', async () => {
    const server = makeServer({ retry: 'always' });
    const { localPort } = await server.ready;
    const c = client(localPort);
    await c.opened;
    expect(server.stats.retriesSent).toBe(1);
    await c.close();
  });

  it('close() closes every connection with the chosen code and ends iteration', async () => {
    const server = makeServer({ retry: 'never' });
    const { localPort } = await server.ready;
    const c = client(localPort);
    await c.opened;
    const iterator = server[Symbol.asyncIterator]();
    const accepted = await iterator.next();
    // Once the server's side is open too: before its handshake completes, a
    // server may only close with APPLICATION_ERROR and no reason (RFC 9000 §10.2.3).
    await accepted.value?.opened;
    await server.close({ code: 7, reason: 'maintenance' });
    await expect(c.closed).rejects.toMatchObject({
      message: expect.stringContaining('maintenance'),
    });
    expect(await iterator.next()).toEqual({ value: undefined, done: true });
  });

  it('rejects bad arguments with a TypeError naming the field', () => {
    expect(() => new SocketServer({ type: 'udp' } as never)).toThrow(/init\.type/);
    expect(
      () =>
        new SocketServer({
          type: 'quic',
          tls: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem, alpn: [] },
        }),
    ).toThrow(/init\.tls\.alpn/);
    expect(
      () =>
        new SocketServer({
          type: 'quic',
          tls: { certificate: cert.certificatePem, privateKey: 'nope', alpn: ['x'] },
        }),
    ).toThrow(/init\.tls\.privateKey/);
    expect(
      () =>
        new SocketServer({
          type: 'quic',
          tls: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem, alpn: ['x'] },
          quic: { retry: 'sometimes' as never },
        }),
    ).toThrow(/init\.quic\.retry/);
  });
});
