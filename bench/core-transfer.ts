// The sans-IO core alone, no sockets: a client and a server Connection wired
// back to back in this process on a virtual clock, the server sending one
// stream of `bytes` that the client reads as it arrives (64 KiB reads, as the
// Socket API does). Reports the microseconds each side spends per
// datagram it sends or receives, so changes to the core's send, receive and
// ACK paths can be compared without the noise of the network stack and of the
// other process (`npm run bench -- --only core`). Nothing here asserts.
//
//   node dist/bench/core-transfer.js <MB> <node|pure|none> [runs] [batch]   (forked by
//   run.ts; the cheapest of `runs` transfers, default 5; `batch`: see coreTransfer)
//
// 'none' replaces packet encryption with a no-op (header protection and the
// TLS handshake stay real): what is left is the core's own cost.
import * as nodeCrypto from 'node:crypto';
import { AEAD_TAG_LENGTH, type CryptoProvider } from '../crypto/crypto-provider.js';
import { createNodeCryptoProvider } from '../crypto/node-provider.js';
import { pureCryptoProvider } from '../crypto/pure-provider.js';
import { parsePemCertificates } from '../crypto/tls/certificate.js';
import { parsePrivateKeyPem } from '../crypto/tls/private-key.js';
import { Connection } from '../quic/connection/connection.js';
import { parsePacketHeader } from '../quic/packet/packet-header.js';
import { QUIC_V1 } from '../quic/version.js';
import { generateSelfSignedCertificate } from '../src/self-signed-certificate.js';

/** One hop each way: the virtual clock advances this much per delivery round. */
const HOP_MS = 0.5;
const READ_CHUNK = 64 * 1024;

interface SideCost {
  micros: number;
  datagramsSent: number;
  datagramsReceived: number;
}

/** Packet protection as a no-op, to measure everything else. */
const noPacketCrypto: CryptoProvider = {
  name: pureCryptoProvider.name,
  createAead(suite, key, iv) {
    const real = pureCryptoProvider.createAead(suite, key, iv);
    return {
      suite: real.suite,
      seal: (_pn, buf, _header, _payload, payloadEnd) => {
        buf.fill(0, payloadEnd, payloadEnd + AEAD_TAG_LENGTH);
        return payloadEnd + AEAD_TAG_LENGTH;
      },
      open: (_pn, _buf, _header, payloadStart, packetEnd) =>
        packetEnd - payloadStart >= AEAD_TAG_LENGTH ? packetEnd - AEAD_TAG_LENGTH : -1,
    };
  },
  createHeaderProtector: (suite, key) => pureCryptoProvider.createHeaderProtector(suite, key),
};

function random(n: number): Uint8Array {
  return new Uint8Array(nodeCrypto.randomBytes(n));
}

/**
 * Microseconds of the main thread's time, read around each side's work.
 * Wall time, not process.cpuUsage(): that is a system call, called four
 * times per delivery round it cost about an eighth of the figures. In one
 * thread that only computes, wall time is its CPU time, plus whatever the
 * machine's other load steals; the cheapest of several runs leaves that out.
 */
function mainThreadMicros(): number {
  return performance.now() * 1000;
}

export interface CoreTransferResult {
  bytes: number;
  virtualMs: number;
  server: SideCost;
  client: SideCost;
}

export type CoreProvider = 'node' | 'pure' | 'none';

/**
 * `batch`: datagrams the client takes per round (default all that arrived);
 * 2 makes it acknowledge about every second packet, as quic-go does, which
 * shows what the sender's ACK processing costs.
 */
export async function coreTransfer(
  bytes: number,
  provider: CoreProvider,
  batch = Number.POSITIVE_INFINITY,
): Promise<CoreTransferResult> {
  const cert = await generateSelfSignedCertificate({ names: ['localhost'] });
  const cryptoProvider =
    provider === 'node'
      ? createNodeCryptoProvider(nodeCrypto)
      : provider === 'pure'
        ? pureCryptoProvider
        : noPacketCrypto;
  let now = 1000;
  const client = new Connection(
    {
      role: 'client',
      random,
      currentTimeMs: Date.now(),
      cryptoProvider,
      tls: {
        serverName: 'localhost',
        alpn: ['hq-interop'],
        verification: { dangerouslySkipVerification: true },
      },
    },
    now,
  );
  let server: Connection | undefined;
  const toServer: Uint8Array[] = [];
  const toClient: Uint8Array[] = [];
  const cost = {
    server: { micros: 0, datagramsSent: 0, datagramsReceived: 0 },
    client: { micros: 0, datagramsSent: 0, datagramsReceived: 0 },
  };
  let streamId = -1;
  let written = 0;
  let received = 0;
  let fin = false;
  const block = new Uint8Array(READ_CHUNK).map((_, i) => i & 0xff);

  const drain = (conn: Connection, out: Uint8Array[], side: SideCost) => {
    for (let d = conn.pollTransmit(now); d !== undefined; d = conn.pollTransmit(now)) {
      out.push(d);
      side.datagramsSent++;
    }
    while (conn.pollEvent() !== undefined) {}
  };

  for (let round = 0; round < 10_000_000 && !fin; round++) {
    // Server: take the client's datagrams, keep its send buffer full, send.
    let t = mainThreadMicros();
    if (toServer.length > 0) {
      if (server === undefined) {
        const header = parsePacketHeader(toServer[0]!, 0, 8)!;
        server = new Connection(
          {
            role: 'server',
            random,
            currentTimeMs: Date.now(),
            cryptoProvider,
            version: QUIC_V1,
            originalDcid: header.dcid.slice(),
            clientDcid: header.dcid.slice(),
            clientScid: header.scid.slice(),
            tls: {
              certificate: {
                chain: parsePemCertificates(cert.certificatePem),
                key: parsePrivateKeyPem(cert.privateKeyPem),
              },
              alpn: ['hq-interop'],
            },
          },
          now,
        );
      }
      for (const d of toServer.splice(0)) {
        server.receive(now, d);
        cost.server.datagramsReceived++;
      }
    }
    if (server !== undefined) {
      if (streamId >= 0) {
        while (written < bytes) {
          const n = server.streamWrite(
            streamId,
            block.subarray(0, Math.min(READ_CHUNK, bytes - written)),
          );
          written += n;
          if (n === 0) break;
        }
        if (written === bytes) {
          server.streamWrite(streamId, new Uint8Array(0), true);
          written++;
        }
      }
      const due = server.nextTimeout();
      if (due !== undefined && due <= now) server.handleTimeout(now);
      drain(server, toClient, cost.server);
    }
    cost.server.micros += mainThreadMicros() - t;

    // Client: take the server's datagrams, read what arrived, ACK.
    t = mainThreadMicros();
    for (const d of toClient.splice(0, batch)) {
      client.receive(now, d);
      cost.client.datagramsReceived++;
    }
    if (client.state === 'established' && streamId < 0) {
      streamId = client.openStream(true)!;
      client.streamWrite(streamId, new TextEncoder().encode(`GET /${bytes}\r\n`), true);
    }
    if (streamId >= 0) {
      for (
        let r = client.streamRead(streamId, READ_CHUNK, now);
        r !== null;
        r = client.streamRead(streamId, READ_CHUNK, now)
      ) {
        if ('resetCode' in r) throw new Error(`stream reset ${r.resetCode}`);
        received += r.data.length;
        if (r.fin) fin = true;
        if (r.data.length === 0) break;
      }
    }
    const due = client.nextTimeout();
    if (due !== undefined && due <= now) client.handleTimeout(now);
    drain(client, toServer, cost.client);
    cost.client.micros += mainThreadMicros() - t;

    // Nothing moving: jump to the next timer (pacing, delayed ACK).
    // A client taking a few datagrams per round must not fall behind in
    // virtual time, or the queue it leaves looks like a growing RTT and the
    // sender probes (PTO) packets that were never lost.
    now += Number.isFinite(batch) ? HOP_MS / 50 : HOP_MS;
    if (toServer.length === 0 && toClient.length === 0) {
      const next = Math.min(client.nextTimeout() ?? Infinity, server?.nextTimeout() ?? Infinity);
      if (next === Infinity) throw new Error('core transfer stalled');
      now = Math.max(now, next);
    }
  }
  if (received !== bytes) throw new Error(`received ${received} of ${bytes}`);
  return { bytes, virtualMs: now - 1000, server: cost.server, client: cost.client };
}

/**
 * `runs` transfers in a row; the figures of the cheapest (the machine's noise
 * only ever adds time, so the minimum is the most repeatable figure).
 */
export async function bestCoreTransfer(
  bytes: number,
  provider: CoreProvider,
  runs: number,
  batch = Number.POSITIVE_INFINITY,
): Promise<CoreTransferResult> {
  let best: CoreTransferResult | undefined;
  for (let i = 0; i < runs; i++) {
    const result = await coreTransfer(bytes, provider, batch);
    const cost = (r: CoreTransferResult) => r.server.micros + r.client.micros;
    if (best === undefined || cost(result) < cost(best)) best = result;
  }
  return best!;
}

if (process.argv[1]?.endsWith('core-transfer.js')) {
  const mb = Number(process.argv[2] ?? 30);
  const provider = (
    ['pure', 'none'].includes(process.argv[3]!) ? process.argv[3] : 'node'
  ) as CoreProvider;
  const runs = Number(process.argv[4] ?? 5);
  const batch = Number(process.argv[5] ?? Number.POSITIVE_INFINITY);
  bestCoreTransfer(Math.round(mb * 1e6), provider, runs, batch).then(
    (result) => {
      if (process.send) process.send(result, () => process.exit(0));
      else console.log(JSON.stringify(result));
    },
    (error: unknown) => {
      console.error('core transfer failed:', error);
      process.exit(1);
    },
  );
}
