// The interop runner's network scenarios on the deterministic simulator:
// one client host and one server host joined by a link with the runner's
// default impairments (15 ms one-way, 10 Mbit/s, a 25-packet drop-tail
// queue) plus each scenario's own. The client is the public Socket API, the
// server is HqTestServer; downloads are checked byte for byte.

import { afterEach } from 'vitest';
import type { SigningKey } from '../../crypto/tls/private-key.js';
import { parsePacketHeader } from '../../quic/packet/packet-header.js';
import type { PacketType } from '../../quic/packet/packet-type.js';
import type { CongestionControlAlgorithm } from '../../quic/recovery/index.js';
import { Socket } from '../../src/index.js';
import type { LinkOptions, SimulatedPacket } from '../../src/udp/simulated-link.js';
import { SimulatedNetwork } from '../../src/udp/simulated-network.js';
import { leaf, testKey } from '../fixtures/tls/chains.js';
import {
  HqTestServer,
  type HqTestServerOptions,
  pattern,
  testCa,
} from '../src/quic/hq-test-server.js';

/** The runner's default link (its `simple-p2p` scenario): 30 ms RTT, 10 Mbit/s, 25 packets. */
export const DEFAULT_LINK = {
  delayMs: 15,
  bandwidthBps: 10_000_000,
  queuePackets: 25,
} as const satisfies LinkOptions;

/** Seeds per scenario: SCENARIO_SEEDS in the environment, default 10 (the minimum). */
export function scenarioSeeds(): number[] {
  const raw = process.env.SCENARIO_SEEDS;
  const count = raw === undefined || raw === '' ? 10 : Number(raw);
  if (!Number.isInteger(count) || count < 1) {
    throw new TypeError(`SCENARIO_SEEDS must be a positive integer, got ${raw}`);
  }
  return Array.from({ length: count }, (_, i) => i + 1);
}

export interface ScenarioOptions {
  seed: number;
  /** Impairments added to DEFAULT_LINK, both directions. */
  link?: LinkOptions;
  /** Impairments of the client-to-server direction only (after `link`). */
  toServer?: LinkOptions;
  /** Impairments of the server-to-client direction only (after `link`). */
  toClient?: LinkOptions;
  congestionControl?: CongestionControlAlgorithm;
  server?: HqTestServerOptions;
}

/** One datagram seen entering the link. */
export interface SeenDatagram {
  id: number;
  timeMs: number;
  bytes: number;
  /** The packets coalesced in it (RFC 9000 §12.2), read from their unprotected header fields. */
  packetTypes: PacketType[];
}

export interface DownloadResult {
  /** Virtual ms from the request to the last byte. */
  elapsedMs: number;
  /** Body bits per second over `elapsedMs`. */
  goodputBps: number;
  /** Packets the client declared lost (mostly ACKs). */
  packetsLost: number;
  /** Packets the server declared lost during this download (the data direction). */
  serverPacketsLost: number;
}

const encoder = new TextEncoder();

export class Scenario {
  readonly net: SimulatedNetwork;
  readonly clientHost;
  readonly serverHost;
  /** Every datagram entering the link, per direction, in order. */
  readonly toServerSeen: SeenDatagram[] = [];
  readonly toClientSeen: SeenDatagram[] = [];
  private serverInstance: HqTestServer | undefined;

  constructor(private readonly options: ScenarioOptions) {
    this.net = new SimulatedNetwork({ seed: options.seed });
    this.clientHost = this.net.host('10.0.0.1');
    this.serverHost = this.net.host('10.0.0.2', { names: ['server.example'] });
    const both = { ...DEFAULT_LINK, ...options.link };
    this.net.linkOneWay(this.clientHost, this.serverHost, {
      ...both,
      ...options.toServer,
      filter: this.observer(this.toServerSeen, options.toServer?.filter ?? both.filter),
    });
    this.net.linkOneWay(this.serverHost, this.clientHost, {
      ...both,
      ...options.toClient,
      filter: this.observer(this.toClientSeen, options.toClient?.filter ?? both.filter),
    });
  }

  private observer(
    seen: SeenDatagram[],
    inner: ((packet: SimulatedPacket) => boolean) | undefined,
  ): (packet: SimulatedPacket) => boolean {
    return (packet) => {
      seen.push({
        id: packet.id,
        timeMs: this.net.now(),
        bytes: packet.data.length,
        packetTypes: coalescedPacketTypes(packet.data),
      });
      return inner === undefined ? true : inner(packet);
    };
  }

  get server(): HqTestServer {
    if (this.serverInstance === undefined) throw new Error('start() the scenario first');
    return this.serverInstance;
  }

  async start(): Promise<void> {
    this.serverInstance = await HqTestServer.start(
      this.serverHost,
      '10.0.0.2',
      (n) => this.net.randomBytes(n),
      {
        ...this.options.server,
        // The server sends the downloads: its controller is the one measured.
        ...(this.options.congestionControl
          ? { congestionControl: this.options.congestionControl }
          : {}),
      },
    );
  }

  /** A new client connection (not yet awaited). */
  connect(): Socket {
    return new Socket({
      type: 'quic',
      remote: { address: 'server.example', port: this.server.port },
      tls: { serverName: 'server.example', alpn: ['hq-interop'], ca: [testCa.der] },
      ...(this.options.congestionControl
        ? { quic: { congestionControl: this.options.congestionControl } }
        : {}),
      stack: this.clientHost,
    });
  }

  /** Opens a connection, downloads `size` bytes, checks them, closes; virtual limits bound it. */
  async download(size: number, maxTimeMs: number): Promise<DownloadResult> {
    const lostBefore = this.serverPacketsLost();
    const socket = this.connect();
    await this.net.runUntil(socket.opened, { maxTimeMs });
    const started = this.net.now();
    const body = await this.net.runUntil(request(socket, `/bytes/${size}`), { maxTimeMs });
    const elapsedMs = this.net.now() - started;
    checkPattern(body, size);
    const packetsLost = socket.stats.packetsLost ?? 0;
    await this.net.runUntil(socket.close(), { maxTimeMs: 60_000 });
    return {
      elapsedMs,
      goodputBps: (size * 8 * 1000) / elapsedMs,
      packetsLost,
      serverPacketsLost: this.serverPacketsLost() - lostBefore,
    };
  }

  private serverPacketsLost(): number {
    let lost = 0;
    for (const driver of this.server.drivers.values()) lost += driver.connection.stats.packetsLost;
    return lost;
  }

  async stop(): Promise<void> {
    await this.serverInstance?.close();
  }
}

async function request(socket: Socket, path: string): Promise<Uint8Array> {
  const stream = await socket.openStream();
  const writer = stream.writable.getWriter();
  await writer.write(encoder.encode(`GET ${path}\r\n`));
  await writer.close();
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = (stream.readable as unknown as ReadableStream<Uint8Array>).getReader();
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

function checkPattern(data: Uint8Array | undefined, size: number): void {
  if (data === undefined) throw new Error('download produced nothing');
  if (data.length !== size) throw new Error(`downloaded ${data.length} bytes, wanted ${size}`);
  const want = pattern(size);
  for (let i = 0; i < size; i++) {
    if (data[i] !== want[i]) throw new Error(`byte ${i} differs`);
  }
}

/** The types of the packets coalesced in a datagram; a corrupted header ends the list. */
export function coalescedPacketTypes(datagram: Uint8Array): PacketType[] {
  const types: PacketType[] = [];
  for (let offset = 0; offset < datagram.length && types.length < 8; ) {
    const header = parsePacketHeader(datagram, offset, 0);
    if (header === undefined) break;
    types.push(header.packetType);
    offset = header.end;
  }
  return types;
}

/**
 * A leaf issued by testCa that is larger than `minBytes` (RFC 9000 §8.1's
 * amplification limit then binds the server's first flight): many long
 * subjectAltNames, as a CDN certificate has.
 */
export function largeCertificate(minBytes: number): { chain: Uint8Array[]; key: SigningKey } {
  const key = testKey('ec-p256', 'large-leaf');
  const label = 'a'.repeat(60);
  const count = Math.ceil(minBytes / 64) + 1;
  const names = [
    'server.example',
    ...Array.from({ length: count }, (_, i) => `${label}.host-${i}.server.example`),
  ];
  return { chain: [leaf(key, testCa, { names }).der], key };
}

/** Registers the afterEach that stops the test's scenario; returns a starter. */
export function scenarioLifecycle(): (options: ScenarioOptions) => Promise<Scenario> {
  let current: Scenario | undefined;
  afterEach(async () => {
    await current?.stop();
    current = undefined;
  });
  return async (options) => {
    current = new Scenario(options);
    await current.start();
    return current;
  };
}

/** A figure for the run's output (times, goodput), greppable as "[scenario]". */
export function report(line: string): void {
  console.log(`[scenario] ${line}`);
}
