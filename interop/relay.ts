// A userspace network impairment relay for interop runs over real UDP (no
// root, no netem): clients send to the relay's port, the relay forwards to
// the server and back, and each direction passes through the simulator's
// link model (src/udp/simulated-link.ts: blackhole, loss with a burst cap,
// the drop-tail queue in front of the bandwidth bottleneck, corruption,
// delay) on the real clock, with its own seeded random. Every datagram's
// fate is logged with the types of the QUIC packets coalesced in it, so a
// scenario can check what crossed the wire (e.g. the amplification limit).
//
//   const relay = await Relay.start({ server: { address: '127.0.0.1', port: 4433 },
//                                     link: { delayMs: 15, bandwidthBps: 10e6, queuePackets: 25 } });
//   // point the client at 127.0.0.1:relay.port
import { createSocket, type Socket as DgramSocket } from 'node:dgram';
import { parsePacketHeader } from '../quic/packet/packet-header.js';
import { SeededRandom } from '../src/udp/seeded-random.js';
import {
  type DropReason,
  type LinkOptions,
  SimulatedLink,
  type SimulatedPacket,
} from '../src/udp/simulated-link.js';

export type RelayDirection = 'to-server' | 'to-client';

export interface RelayOptions {
  /** Where the real server listens. */
  server: { address: string; port: number };
  /** The relay's own address and port for clients. Default 127.0.0.1, any free port. */
  listen?: { address?: string; port?: number };
  /** Seed of the relay's random choices. Default 1. */
  seed?: number;
  /** Impairments of both directions. */
  link?: LinkOptions;
  /** Impairments of client-to-server datagrams only (merged over `link`). */
  toServer?: LinkOptions;
  /** Impairments of server-to-client datagrams only (merged over `link`). */
  toClient?: LinkOptions;
  /** Log entries kept (oldest first dropped). Default 200,000. */
  logLimit?: number;
}

export interface RelayLogEntry {
  /** Milliseconds since the relay started. */
  timeMs: number;
  direction: RelayDirection;
  /** Datagram number in its direction, from 1. */
  index: number;
  bytes: number;
  /** QUIC packet types coalesced in the datagram (quic/packet/packet-type.ts). */
  packetTypes: number[];
  /** When it left the relay ('forwarded'), or why it did not. */
  fate: 'forwarded' | DropReason;
  /** Set when forwarded: milliseconds since the relay started. */
  forwardedMs?: number;
  corrupted?: boolean;
}

export interface RelayCounters {
  received: number;
  forwarded: number;
  dropped: number;
  corrupted: number;
}

/** Datagrams waiting for their arrival time, in arrival order. */
interface Pending {
  at: number;
  data: Uint8Array;
  send: (data: Uint8Array) => void;
  entry: RelayLogEntry;
}

const MAX_CLIENTS = 64;

export class Relay {
  readonly log: RelayLogEntry[] = [];
  readonly counters: Record<RelayDirection, RelayCounters> = {
    'to-server': { received: 0, forwarded: 0, dropped: 0, corrupted: 0 },
    'to-client': { received: 0, forwarded: 0, dropped: 0, corrupted: 0 },
  };
  private readonly started = performance.now();
  private readonly links: Record<RelayDirection, SimulatedLink>;
  private readonly indices: Record<RelayDirection, number> = { 'to-server': 0, 'to-client': 0 };
  /** One upstream socket per client address, like a NAT. */
  private readonly upstreams = new Map<string, DgramSocket>();
  private readonly pending: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private closed = false;

  private constructor(
    private readonly options: RelayOptions,
    private readonly front: DgramSocket,
  ) {
    const random = new SeededRandom(options.seed ?? 1);
    this.links = {
      'to-server': new SimulatedLink({ ...options.link, ...options.toServer }, random),
      'to-client': new SimulatedLink({ ...options.link, ...options.toClient }, random),
    };
  }

  static async start(options: RelayOptions): Promise<Relay> {
    const address = options.listen?.address ?? '127.0.0.1';
    const front = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    await new Promise<void>((resolve, reject) => {
      front.once('error', reject);
      front.bind(options.listen?.port ?? 0, address, () => {
        front.off('error', reject);
        resolve();
      });
    });
    const relay = new Relay(options, front);
    front.on('message', (data, from) => relay.fromClient(data, from.address, from.port));
    front.on('error', () => {});
    return relay;
  }

  /** The port clients send to. */
  get port(): number {
    return this.front.address().port;
  }

  /** Milliseconds since the relay started. */
  now(): number {
    return performance.now() - this.started;
  }

  /** Changes impairments from now on (e.g. to cut the link). */
  update(direction: RelayDirection | 'both', options: LinkOptions): void {
    if (direction !== 'to-client') this.links['to-server'].update(options);
    if (direction !== 'to-server') this.links['to-client'].update(options);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.pending.length = 0;
    const sockets = [this.front, ...this.upstreams.values()];
    await Promise.all(sockets.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }

  private fromClient(data: Buffer, address: string, port: number): void {
    if (this.closed) return;
    const key = `${address}:${port}`;
    let upstream = this.upstreams.get(key);
    if (upstream === undefined) {
      if (this.upstreams.size >= MAX_CLIENTS) return;
      const server = this.options.server;
      upstream = createSocket(server.address.includes(':') ? 'udp6' : 'udp4');
      upstream.on('error', () => {});
      upstream.on('message', (reply) =>
        this.carry('to-client', reply, (d) => this.front.send(d, port, address)),
      );
      this.upstreams.set(key, upstream);
    }
    const socket = upstream;
    const { address: serverAddress, port: serverPort } = this.options.server;
    this.carry('to-server', data, (d) => socket.send(d, serverPort, serverAddress));
  }

  private carry(direction: RelayDirection, data: Buffer, send: (data: Uint8Array) => void): void {
    if (this.closed) return;
    const now = this.now();
    const counters = this.counters[direction];
    counters.received++;
    const index = ++this.indices[direction];
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.length).slice();
    const entry: RelayLogEntry = {
      timeMs: now,
      direction,
      index,
      bytes: bytes.length,
      packetTypes: coalescedPacketTypes(bytes),
      fate: 'forwarded',
    };
    this.record(entry);
    const packet: SimulatedPacket = {
      id: index,
      fromAddress: '',
      fromPort: 0,
      toAddress: '',
      toPort: 0,
      data: bytes,
    };
    const outcome = this.links[direction].carry(packet, now);
    if (outcome.dropped !== undefined) {
      entry.fate = outcome.dropped;
      counters.dropped++;
      return;
    }
    if (outcome.corruptedIndex !== undefined) {
      entry.corrupted = true;
      counters.corrupted++;
    }
    for (const at of outcome.arrivals) this.schedule({ at, data: outcome.data, send, entry });
  }

  private record(entry: RelayLogEntry): void {
    if (this.log.length >= (this.options.logLimit ?? 200_000)) this.log.shift();
    this.log.push(entry);
  }

  private schedule(item: Pending): void {
    // Arrivals are nearly always in order: insert from the back.
    let i = this.pending.length;
    while (i > 0 && this.pending[i - 1]!.at > item.at) i--;
    this.pending.splice(i, 0, item);
    this.arm();
  }

  private arm(): void {
    const head = this.pending[0];
    if (head === undefined || head.at >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = head.at;
    this.timer = setTimeout(() => this.flush(), Math.max(0, head.at - this.now()));
  }

  private flush(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    while (this.pending.length > 0 && this.pending[0]!.at <= now + 0.5) {
      const item = this.pending.shift()!;
      item.entry.forwardedMs = now;
      this.counters[item.entry.direction].forwarded++;
      item.send(item.data);
    }
    this.arm();
  }
}

/** The types of the QUIC packets coalesced in a datagram; a damaged header ends the list. */
export function coalescedPacketTypes(datagram: Uint8Array): number[] {
  const types: number[] = [];
  for (let offset = 0; offset < datagram.length && types.length < 8; ) {
    const header = parsePacketHeader(datagram, offset, 0);
    if (header === undefined) break;
    types.push(header.packetType);
    offset = header.end;
  }
  return types;
}
