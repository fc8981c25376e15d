// A minimal QUIC server for Socket tests, on any UdpStack (the simulator or
// node:dgram): one server Connection per client address, HTTP/0.9-style
// requests on bidirectional streams:
//   GET /bytes/N     N bytes of a pattern (byte i = i * 7 mod 256), then FIN
//   GET /echo        echoes the rest of the stream, then FIN
//   GET /close/C     closes the connection with application error C
//   GET /push        opens a unidirectional stream carrying "pushed"
// DATAGRAM frames are echoed.

import type { SigningKey } from '../../../crypto/tls/private-key.js';
import { Connection } from '../../../quic/connection/connection.js';
import type { ConnectionEvent } from '../../../quic/connection/connection-events.js';
import { parsePacketHeader } from '../../../quic/packet/packet-header.js';
import type { CongestionControlAlgorithm } from '../../../quic/recovery/index.js';
import { QUIC_V1 } from '../../../quic/version.js';
import { ConnectionDriver } from '../../../src/quic/connection-driver.js';
import type { RawUdpSocket, UdpStack } from '../../../src/udp/udp-stack.js';
import { leaf, NOW, root, testKey } from '../../fixtures/tls/chains.js';

export const testCa = root(testKey('ec-p256', 'root'));
const serverLeaf = leaf(testKey('ec-p256', 'leaf'), testCa);

export function pattern(size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 7) & 0xff;
  return out;
}

export interface HqTestServerOptions {
  /** The certificate chain sent (leaf first) and the leaf's key; default a leaf issued by testCa. */
  certificate?: { chain: Uint8Array[]; key: SigningKey };
  /** The server's congestion controller (it sends the downloads); default the core's. */
  congestionControl?: CongestionControlAlgorithm;
}

interface ServedStream {
  request: string;
  handled: boolean;
  echo: boolean;
  pendingWrite: Uint8Array | undefined;
  fin: boolean;
}

export class HqTestServer {
  readonly drivers = new Map<string, ConnectionDriver>();
  readonly resets: { streamId: number; code: bigint | number }[] = [];
  readonly stops: { streamId: number; code: bigint | number }[] = [];
  private readonly originalDcids = new WeakMap<ConnectionDriver, Uint8Array>();
  socket!: RawUdpSocket;

  private constructor(
    private readonly stack: UdpStack,
    private readonly random: (n: number) => Uint8Array,
    private readonly options: HqTestServerOptions = {},
  ) {}

  static async start(
    stack: UdpStack,
    address: string,
    random: (n: number) => Uint8Array,
    options: HqTestServerOptions = {},
  ): Promise<HqTestServer> {
    const server = new HqTestServer(stack, random, options);
    server.socket = await stack.bind(
      { address, port: 0 },
      {
        onMessage: (data, from, port) => server.onMessage(data, from, port),
        onDrain: () => {
          for (const d of server.drivers.values()) d.onDrain();
        },
      },
    );
    return server;
  }

  get port(): number {
    return this.socket.localPort;
  }

  async close(): Promise<void> {
    for (const d of this.drivers.values()) d.stop();
    await this.socket.close();
  }

  private onMessage(data: Uint8Array, address: string, port: number): void {
    const key = `${address}:${port}`;
    const existing = this.drivers.get(key);
    const header = parsePacketHeader(data, 0, 8);
    // An Initial with a DCID the connection does not know is a new client
    // reusing the address and port of an earlier one (the simulator hands
    // out ports again), or a corrupted datagram: decided below by opening it.
    const newClient = header?.packetType === 0 && !(existing && this.isFor(existing, header.dcid));
    if (existing && !newClient) {
      existing.receive(data, { address, port });
      return;
    }
    if (header?.packetType !== 0) return;
    const connection = new Connection(
      {
        role: 'server',
        random: this.random,
        currentTimeMs: NOW,
        version: QUIC_V1,
        originalDcid: header.dcid.slice(),
        clientDcid: header.dcid.slice(),
        clientScid: header.scid.slice(),
        tls: {
          certificate: this.options.certificate ?? {
            chain: [serverLeaf.der],
            key: testKey('ec-p256', 'leaf'),
          },
          alpn: ['hq-interop'],
        },
        ...(this.options.congestionControl
          ? { congestionControl: this.options.congestionControl }
          : {}),
      },
      this.stack.clock.now(),
    );
    const streams = new Map<number, ServedStream>();
    const created: ConnectionDriver = new ConnectionDriver(
      connection,
      this.socket,
      { address, port },
      this.stack.clock,
      (event) => this.onEvent(created, streams, event),
    );
    created.receive(data, { address, port });
    // A first datagram that does not open (corrupted on the way: its DCID
    // would fix the wrong Initial keys) must not claim the client address.
    if (connection.stats.packetsReceived === 0) {
      created.stop();
      return;
    }
    existing?.stop();
    this.drivers.set(key, created);
    this.originalDcids.set(created, header.dcid.slice());
  }

  /** Whether an Initial with this DCID belongs to the driver's connection. */
  private isFor(driver: ConnectionDriver, dcid: Uint8Array): boolean {
    const original = this.originalDcids.get(driver);
    return (
      equalBytes(dcid, driver.connection.scid) ||
      (original !== undefined && equalBytes(dcid, original))
    );
  }

  private onEvent(
    driver: ConnectionDriver,
    streams: Map<number, ServedStream>,
    event: ConnectionEvent,
  ): void {
    const conn = driver.connection;
    const now = this.stack.clock.now();
    if (event.type === 'datagram') {
      conn.sendDatagram(event.data);
      driver.scheduleService();
      return;
    }
    if (event.type !== 'stream') return;
    const e = event.event;
    if (e.type === 'reset') this.resets.push({ streamId: e.streamId, code: e.errorCode });
    if (e.type === 'stopped') this.stops.push({ streamId: e.streamId, code: e.errorCode });
    if (e.type === 'writable') this.flush(driver, streams.get(e.streamId), e.streamId);
    if (e.type !== 'readable') return;
    let served = streams.get(e.streamId);
    if (!served) {
      served = { request: '', handled: false, echo: false, pendingWrite: undefined, fin: false };
      streams.set(e.streamId, served);
    }
    for (;;) {
      const r = conn.streamRead(e.streamId, 65536, now);
      if (r === null || 'resetCode' in r) break;
      if (served.echo) {
        served.pendingWrite = concat(served.pendingWrite, r.data);
        served.fin ||= r.fin;
      } else {
        served.request += new TextDecoder().decode(r.data);
        const end = served.request.indexOf('\r\n');
        if (end < 0) {
          if (r.fin || r.data.length === 0) break;
          continue;
        }
        if (!served.handled) {
          served.handled = true;
          this.handle(driver, served, e.streamId, served.request.slice(0, end));
        }
        if (served.echo) {
          served.pendingWrite = concat(
            served.pendingWrite,
            new TextEncoder().encode(served.request.slice(end + 2)),
          );
          served.fin ||= r.fin;
        }
      }
      if (r.fin || r.data.length === 0) break;
    }
    this.flush(driver, served, e.streamId);
  }

  private handle(driver: ConnectionDriver, served: ServedStream, id: number, line: string): void {
    const conn = driver.connection;
    const path = line.replace(/^GET /, '');
    if (path.startsWith('/bytes/')) {
      served.pendingWrite = pattern(Number(path.slice(7)));
      served.fin = true;
    } else if (path === '/echo') {
      served.echo = true;
    } else if (path.startsWith('/close/')) {
      conn.close(this.stack.clock.now(), BigInt(path.slice(7)), 'closed by the test server');
    } else if (path === '/push') {
      const uni = conn.openStream(false);
      if (uni !== null) conn.streamWrite(uni, new TextEncoder().encode('pushed'), true);
      served.pendingWrite = new Uint8Array(0);
      served.fin = true;
    }
    void id;
  }

  private flush(driver: ConnectionDriver, served: ServedStream | undefined, id: number): void {
    if (!served || served.pendingWrite === undefined) return;
    const conn = driver.connection;
    if (conn.state !== 'established' && conn.state !== 'handshake') return;
    const data = served.pendingWrite;
    const n = data.length > 0 ? conn.streamWrite(id, data, false) : 0;
    served.pendingWrite = n < data.length ? data.subarray(n) : new Uint8Array(0);
    if (served.pendingWrite.length === 0 && served.fin) {
      conn.streamWrite(id, new Uint8Array(0), true);
      served.pendingWrite = undefined;
    }
    driver.scheduleService();
  }
}

function concat(a: Uint8Array | undefined, b: Uint8Array): Uint8Array {
  if (!a || a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
