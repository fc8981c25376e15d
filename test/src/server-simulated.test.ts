// SocketServer on the simulated network (virtual clock): a download over a
// lossy link, and stats counted through the API for what the endpoint
// refuses or answers statelessly.
import { describe, expect, it } from 'vitest';
import '../../src/index.js';
import { generateSelfSignedCertificate } from '../../src/self-signed-certificate.js';
import { SocketServer } from '../../src/server.js';
import { Socket } from '../../src/socket.js';
import { SimulatedNetwork } from '../../src/udp/simulated-network.js';

const cert = await generateSelfSignedCertificate({ names: ['10.0.0.2'] });

function setup(loss: number, quic: Record<string, unknown> = {}) {
  const net = new SimulatedNetwork({ seed: 7 });
  const a = net.host('10.0.0.1');
  const b = net.host('10.0.0.2');
  net.link(a, b, { delayMs: 15, loss, maxConsecutiveLosses: 3 });
  const server = new SocketServer({
    type: 'quic',
    local: { address: '10.0.0.2', port: 443 },
    tls: { certificate: cert.certificatePem, privateKey: cert.privateKeyPem, alpn: ['sim'] },
    quic,
    stack: b,
  });
  const client = () =>
    new Socket({
      type: 'quic',
      remote: { address: '10.0.0.2', port: 443 },
      tls: {
        alpn: ['sim'],
        serverCertificateHashes: [{ algorithm: 'sha-256', value: new Uint8Array(cert.sha256) }],
      },
      stack: a,
    });
  return { net, a, b, server, client };
}

async function readAll(readable: ReadableStream<unknown>): Promise<number> {
  let n = 0;
  const reader = (readable as ReadableStream<Uint8Array>).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) n += r.value.length;
  return n;
}

describe('SocketServer on a simulated network', () => {
  it('serves a 300 kB download to a client over a link with 5% loss', async () => {
    const { net, server, client } = setup(0.05, { retry: 'always' });
    await net.runUntil(server.ready);
    server.addEventListener('connect', (event) => {
      const socket = (event as unknown as { socket: Socket }).socket;
      void (async () => {
        const incoming = socket.incomingStreams.getReader();
        const { value: stream } = await incoming.read();
        if (!stream) return;
        await readAll(stream.readable);
        const writer = stream.writable.getWriter();
        await writer.write(new Uint8Array(300_000).fill(1));
        await writer.close();
      })();
    });
    const c = client();
    const download = (async () => {
      await c.opened;
      const stream = await c.openStream();
      const writer = stream.writable.getWriter();
      await writer.write(new TextEncoder().encode('GET /\r\n'));
      await writer.close();
      return readAll(stream.readable);
    })();
    expect(await net.runUntil(download, { maxTimeMs: 120_000 })).toBe(300_000);
    expect(server.stats.retriesSent).toBeGreaterThanOrEqual(1);
    expect(server.stats.connectionsAccepted).toBe(1);
    await net.runUntil(server.close({ code: 0, reason: 'done' }), { maxTimeMs: 30_000 });
  });

  it('forgets every connection once clients have come and gone (no state left behind)', async () => {
    const { net, server, client } = setup(0, { retry: 'never' });
    await net.runUntil(server.ready);
    for (let i = 0; i < 8; i++) {
      const c = client();
      await net.runUntil(c.opened);
      await net.runUntil(c.close(), { maxTimeMs: 10_000 });
    }
    expect(server.stats.connectionsAccepted).toBe(8);
    await net.runUntil(() => server.stats.connections === 0, { maxTimeMs: 60_000 });
    expect(server.stats.connections).toBe(0);
    await net.runUntil(server.close(), { maxTimeMs: 10_000 });
  });

  it('counts stateless resets and ignored datagrams through the API', async () => {
    const { net, a, server } = setup(0);
    await net.runUntil(server.ready);
    const probe = await a.bind({ address: '10.0.0.1', port: 0 }, { onMessage: () => {} });
    const shortHeader = new Uint8Array(60).fill(0x41); // unknown CID, 60 bytes
    probe.send(shortHeader, '10.0.0.2', 443);
    probe.send(new Uint8Array(10).fill(0x41), '10.0.0.2', 443); // too small for a reset
    const unknownVersion = new Uint8Array(1200);
    unknownVersion.set([0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8], 0);
    unknownVersion[14] = 8;
    probe.send(unknownVersion, '10.0.0.2', 443);
    await net.runUntil(() => server.stats.versionNegotiationsSent === 1, { maxTimeMs: 1000 });
    expect(server.stats.statelessResetsSent).toBe(1);
    expect(server.stats.datagramsDropped['unknown-connection']).toBe(2);
    await probe.close();
    await net.runUntil(server.close(), { maxTimeMs: 10_000 });
  });
});
