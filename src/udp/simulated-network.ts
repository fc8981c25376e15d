// An in-memory network on a virtual clock for tests: hosts with addresses,
// UDP sockets on them (the same UdpStack/RawUdpSocket interfaces as
// node:dgram), links with delay, bandwidth and a drop-tail queue, loss,
// duplication, reordering, corruption and blackholes, and rebinding (a NAT
// giving a host a new public address or ports mid-run). Everything random
// comes from one seed, and every packet's fate is written to `trace`, so
// equal seeds and equal scripts give equal traces.
//
//   const net = new SimulatedNetwork({ seed: 1 });
//   const a = net.host('10.0.0.1');
//   const b = net.host('10.0.0.2', { names: ['server.test'] });
//   net.link(a, b, { delayMs: 20, loss: 0.1 });
//   const socket = new Socket({ type: 'udp', remote: { address: 'server.test', port: 443 }, stack: a });
//   await net.runUntil(socket.opened);

import {
  canonicalAddress,
  formatEndpoint,
  ipFamily,
  isWildcardAddress,
  maxUdpPayload,
} from '../address.js';
import { SocketError } from '../errors.js';
import { VirtualClock } from '../virtual-clock.js';
import { SeededRandom } from './seeded-random.js';
import {
  type DropReason,
  type LinkOptions,
  SimulatedLink,
  type SimulatedPacket,
  validateLinkOptions,
} from './simulated-link.js';
import {
  DEFAULT_SEND_QUEUE_LIMIT,
  type RawUdpSocket,
  type SendCallback,
  type UdpBindOptions,
  type UdpHandler,
  type UdpStack,
} from './udp-stack.js';

export type TraceEventKind =
  | 'sent'
  | 'delivered'
  | 'dropped'
  | 'corrupted'
  | 'duplicated'
  | 'reordered'
  | 'rebound';

export interface TraceEvent {
  timeMs: number;
  event: TraceEventKind;
  /** Packet sequence number (for 'rebound': -1). */
  packet: number;
  /** 'address:port' of the sender ('rebound': the old address). */
  from: string;
  /** 'address:port' of the destination ('rebound': the new address). */
  to: string;
  bytes: number;
  reason?: DropReason;
  /** For 'corrupted': which byte changed. */
  byteIndex?: number;
}

export interface SimulatedNetworkOptions {
  /** Seed of every random choice (loss, ports, ...). Default 1. */
  seed?: number;
  /** Impairments of host pairs that have no explicit link. Default: none. */
  defaultLink?: LinkOptions;
  /** Trace entries kept (oldest dropped first). Default 1,000,000. */
  traceLimit?: number;
}

export interface RunOptions {
  /** Virtual milliseconds from now before giving up. Default 600,000. */
  maxTimeMs?: number;
  /** Events processed before giving up (catches livelock). Default 10,000,000. */
  maxEvents?: number;
}

/** Both directions of a link created by `SimulatedNetwork.link`. */
export interface SimulatedLinkPair {
  readonly forward: SimulatedLink;
  readonly backward: SimulatedLink;
  /** Updates both directions. */
  update(options: LinkOptions): void;
}

const settle = (): Promise<void> =>
  new Promise((resolve) =>
    typeof setImmediate === 'function' ? setImmediate(resolve) : setTimeout(resolve, 0),
  );

export class SimulatedNetwork {
  readonly clock = new VirtualClock();
  readonly random: SeededRandom;
  #defaultLink: LinkOptions;
  #traceLimit: number;
  #trace: TraceEvent[] = [];
  #hosts = new Map<string, SimulatedHost>(); // by public address
  #names = new Map<string, SimulatedHost>(); // lower-case name -> host
  #links = new Map<SimulatedHost, Map<SimulatedHost, SimulatedLink>>();
  #nextPacket = 0;

  constructor(options: SimulatedNetworkOptions = {}) {
    this.random = new SeededRandom(options.seed ?? 1);
    this.#defaultLink = { ...(options.defaultLink ?? {}) };
    validateLinkOptions(this.#defaultLink);
    this.#traceLimit = options.traceLimit ?? 1_000_000;
  }

  /** Virtual time in milliseconds. */
  now(): number {
    return this.clock.now();
  }

  /** Adds a host with an IPv4 or IPv6 address, reachable by `names` through `lookup`. */
  host(address: string, options: { names?: string[] } = {}): SimulatedHost {
    const canonical = canonicalAddress(address);
    if (canonical === undefined)
      throw new TypeError(`host address must be an IP literal, got ${address}`);
    if (this.#hosts.has(canonical))
      throw new TypeError(`host address ${address} is already in use`);
    const host = new SimulatedHost(this, canonical);
    this.#hosts.set(canonical, host);
    for (const name of options.names ?? []) this.#names.set(name.toLowerCase(), host);
    return host;
  }

  /** Sets the impairments of both directions between `a` and `b`. */
  link(a: SimulatedHost, b: SimulatedHost, options: LinkOptions): SimulatedLinkPair {
    const forward = this.linkOneWay(a, b, options);
    const backward = this.linkOneWay(b, a, options);
    return {
      forward,
      backward,
      update(update) {
        forward.update(update);
        backward.update(update);
      },
    };
  }

  /** Sets the impairments of packets from `from` to `to` only. */
  linkOneWay(from: SimulatedHost, to: SimulatedHost, options: LinkOptions): SimulatedLink {
    const link = new SimulatedLink(options, this.random);
    let row = this.#links.get(from);
    if (row === undefined) {
      row = new Map();
      this.#links.set(from, row);
    }
    row.set(to, link);
    return link;
  }

  /** The link packets from `from` to `to` take (created from `defaultLink` on first use). */
  linkBetween(from: SimulatedHost, to: SimulatedHost): SimulatedLink {
    return this.#links.get(from)?.get(to) ?? this.linkOneWay(from, to, this.#defaultLink);
  }

  get trace(): readonly TraceEvent[] {
    return this.#trace;
  }

  clearTrace(): void {
    this.#trace = [];
  }

  /** Deterministic bytes for an injected `random(n)` (e.g. the QUIC core's). */
  randomBytes(length: number): Uint8Array {
    return this.random.bytes(length);
  }

  /**
   * Runs events in time order, letting promise callbacks settle after each,
   * until `condition` returns true or (given a promise) the promise settles;
   * returns the promise's value or throws its error. Throws if no event is
   * left, or `maxTimeMs`/`maxEvents` pass, first.
   */
  async runUntil<T>(
    condition: Promise<T> | (() => boolean),
    options: RunOptions = {},
  ): Promise<T | undefined> {
    let done: () => boolean;
    let outcome: { value?: T; error?: unknown; failed: boolean } | undefined;
    if (typeof condition === 'function') {
      done = condition;
    } else {
      condition.then(
        (value) => {
          outcome = { value, failed: false };
        },
        (error: unknown) => {
          outcome = { error, failed: true };
        },
      );
      done = () => outcome !== undefined;
    }
    const deadline = this.now() + (options.maxTimeMs ?? 600_000);
    const maxEvents = options.maxEvents ?? 10_000_000;
    for (let events = 0; ; events++) {
      await settle();
      if (done()) break;
      const next = this.clock.nextEventTime();
      if (next === undefined) {
        throw new Error(
          `runUntil: nothing left to run at ${this.now()} ms and the condition is unmet`,
        );
      }
      if (next > deadline) {
        this.clock.advanceTo(deadline);
        throw new Error(`runUntil: condition unmet after ${options.maxTimeMs ?? 600_000} ms`);
      }
      if (events >= maxEvents)
        throw new Error(`runUntil: condition unmet after ${maxEvents} events`);
      this.clock.runNext();
    }
    if (outcome?.failed) throw outcome.error;
    return outcome?.value;
  }

  /** Runs every event up to `durationMs` from now, then leaves time at that point. */
  async run(durationMs: number): Promise<void> {
    const end = this.now() + durationMs;
    for (;;) {
      await settle();
      const next = this.clock.nextEventTime();
      if (next === undefined || next > end) break;
      this.clock.runNext();
    }
    this.clock.advanceTo(end);
    await settle();
  }

  /** Runs until no event is left (or `maxTimeMs`/`maxEvents` pass, which throws). */
  async runUntilIdle(options: RunOptions = {}): Promise<void> {
    await this.runUntil(() => this.clock.nextEventTime() === undefined, options);
  }

  // ---- used by hosts and sockets ----

  /** @internal */ hostAt(address: string): SimulatedHost | undefined {
    return this.#hosts.get(address);
  }

  /** @internal */ hostNamed(name: string): SimulatedHost | undefined {
    return this.#names.get(name.toLowerCase().replace(/\.$/, ''));
  }

  /** @internal */ moveHost(host: SimulatedHost, from: string, to: string): void {
    if (this.#hosts.has(to)) throw new TypeError(`address ${to} is already in use`);
    this.#hosts.delete(from);
    this.#hosts.set(to, host);
    this.record({ event: 'rebound', packet: -1, from, to, bytes: 0 });
  }

  /** @internal */ record(entry: Omit<TraceEvent, 'timeMs'>): void {
    if (this.#trace.length >= this.#traceLimit) this.#trace.shift();
    this.#trace.push({ timeMs: this.now(), ...entry });
  }

  /** @internal Puts one datagram on the network. */
  transmit(
    source: SimulatedHost,
    fromPort: number,
    toAddress: string,
    toPort: number,
    data: Uint8Array,
  ) {
    const packet: SimulatedPacket = {
      id: this.#nextPacket++,
      fromAddress: source.publicAddress,
      fromPort,
      toAddress,
      toPort,
      data,
    };
    const from = formatEndpoint(packet.fromAddress, fromPort);
    const to = formatEndpoint(toAddress, toPort);
    const base = { packet: packet.id, from, to, bytes: data.length };
    this.record({ event: 'sent', ...base });
    const target = this.#hosts.get(toAddress);
    if (target === undefined) {
      this.record({ event: 'dropped', ...base, reason: 'no-route' });
      return;
    }
    const outcome = this.linkBetween(source, target).carry(packet, this.now());
    if (outcome.dropped !== undefined) {
      this.record({ event: 'dropped', ...base, reason: outcome.dropped });
      return;
    }
    if (outcome.corruptedIndex !== undefined) {
      this.record({ event: 'corrupted', ...base, byteIndex: outcome.corruptedIndex });
    }
    if (outcome.reordered) this.record({ event: 'reordered', ...base });
    if (outcome.arrivals.length > 1) this.record({ event: 'duplicated', ...base });
    for (const arrival of outcome.arrivals) {
      const copy = outcome.arrivals.length > 1 ? outcome.data.slice() : outcome.data;
      this.clock.scheduleAt(arrival, () => this.#arrive(packet, copy, base));
    }
  }

  #arrive(packet: SimulatedPacket, data: Uint8Array, base: Omit<TraceEvent, 'timeMs' | 'event'>) {
    // The destination may have been rebound while the packet was in flight.
    const host = this.#hosts.get(packet.toAddress);
    const socket = host?.socketAtPublicPort(packet.toPort);
    if (socket === undefined) {
      this.record({
        event: 'dropped',
        ...base,
        reason: host === undefined ? 'no-route' : 'port-unreachable',
      });
      return;
    }
    this.record({ event: 'delivered', ...base });
    socket.deliver(data, packet.fromAddress, packet.fromPort);
  }
}

/** A host on the simulated network: a UdpStack to bind sockets and resolve names. */
export class SimulatedHost implements UdpStack {
  readonly network: SimulatedNetwork;
  /** The address the host's sockets see as their own. */
  readonly address: string;
  #publicAddress: string;
  #sockets = new Map<number, SimulatedSocket>(); // by local port
  #byPublicPort = new Map<number, SimulatedSocket>();

  constructor(network: SimulatedNetwork, address: string) {
    this.network = network;
    this.address = address;
    this.#publicAddress = address;
  }

  get clock(): VirtualClock {
    return this.network.clock;
  }

  /** The address peers see packets from (differs from `address` after `rebind`). */
  get publicAddress(): string {
    return this.#publicAddress;
  }

  async bind(options: UdpBindOptions, handler: UdpHandler): Promise<RawUdpSocket> {
    const address = canonicalAddress(options.address);
    if (address === undefined)
      throw new TypeError(`bind address must be an IP literal, got ${options.address}`);
    if (!isWildcardAddress(address) && address !== this.address) {
      throw new SocketError(
        `cannot bind ${options.address}: not an address of host ${this.address}`,
        {
          code: 'EADDRNOTAVAIL',
        },
      );
    }
    let port = options.port;
    if (port === 0) port = this.#freePort();
    if (this.#sockets.has(port) || this.#byPublicPort.has(port)) {
      throw new SocketError(`cannot bind ${formatEndpoint(this.address, port)}: address in use`, {
        code: 'EADDRINUSE',
      });
    }
    const socket = new SimulatedSocket(this, address, port, handler, options);
    this.#sockets.set(port, socket);
    this.#byPublicPort.set(port, socket);
    return socket;
  }

  async sourceAddress(_address: string): Promise<string> {
    return this.address;
  }

  async lookup(hostname: string): Promise<string[]> {
    const literal = canonicalAddress(hostname);
    if (literal !== undefined) return [literal];
    const host = this.network.hostNamed(hostname);
    if (host === undefined) {
      throw new SocketError(`getaddrinfo ENOTFOUND ${hostname}`, { code: 'ENOTFOUND' });
    }
    return [host.publicAddress];
  }

  /**
   * NAT rebinding: from now on peers see this host at `address` and/or, with
   * `ports: true`, each of its sockets at a new random port. Packets sent to
   * the old address or ports are dropped; the sockets' own view is unchanged.
   */
  rebind(options: { address?: string; ports?: boolean }): void {
    if (options.address !== undefined) {
      const next = canonicalAddress(options.address);
      if (next === undefined)
        throw new TypeError(`rebind address must be an IP literal, got ${options.address}`);
      this.network.moveHost(this, this.#publicAddress, next);
      this.#publicAddress = next;
    }
    if (options.ports) {
      const sockets = [...this.#byPublicPort.values()];
      this.#byPublicPort.clear();
      for (const socket of sockets) {
        const port = this.#freePort();
        const old = socket.publicPort;
        socket.publicPort = port;
        this.#byPublicPort.set(port, socket);
        this.network.record({
          event: 'rebound',
          packet: -1,
          from: formatEndpoint(this.#publicAddress, old),
          to: formatEndpoint(this.#publicAddress, port),
          bytes: 0,
        });
      }
    }
  }

  /** @internal */ socketAtPublicPort(port: number): SimulatedSocket | undefined {
    return this.#byPublicPort.get(port);
  }

  /** @internal */ release(socket: SimulatedSocket): void {
    if (this.#sockets.get(socket.localPort) === socket) this.#sockets.delete(socket.localPort);
    if (this.#byPublicPort.get(socket.publicPort) === socket)
      this.#byPublicPort.delete(socket.publicPort);
  }

  #freePort(): number {
    // RFC 6335 §6: the Dynamic Ports, never assigned, are 49152-65535.
    for (let attempt = 0; attempt < 10_000; attempt++) {
      const port = 49152 + this.network.random.nextInt(16384);
      if (!this.#sockets.has(port) && !this.#byPublicPort.has(port)) return port;
    }
    throw new SocketError(`no free port on host ${this.address}`, { code: 'EADDRINUSE' });
  }
}

class SimulatedSocket implements RawUdpSocket {
  readonly localAddress: string;
  readonly localPort: number;
  publicPort: number;
  sendQueueLimit: number;
  #host: SimulatedHost;
  #handler: UdpHandler;
  #pending = 0;
  #wantsDrain = false;
  #closed = false;

  constructor(
    host: SimulatedHost,
    address: string,
    port: number,
    handler: UdpHandler,
    options: UdpBindOptions,
  ) {
    this.#host = host;
    this.localAddress = address;
    this.localPort = port;
    this.publicPort = port;
    this.#handler = handler;
    this.sendQueueLimit = options.sendQueueLimit ?? DEFAULT_SEND_QUEUE_LIMIT;
  }

  get sendQueueLength(): number {
    return this.#pending;
  }

  send(data: Uint8Array, address: string, port: number, callback?: SendCallback): boolean {
    const error = this.#checkSend(data, address, port);
    if (error === undefined) {
      this.#host.network.transmit(
        this.#host,
        this.publicPort,
        canonicalAddress(address)!,
        port,
        data.slice(),
      );
    }
    this.#pending++;
    queueMicrotask(() => {
      this.#pending--;
      callback?.(error ?? null);
      if (this.#wantsDrain && this.#pending < this.sendQueueLimit) {
        this.#wantsDrain = false;
        this.#handler.onDrain?.();
      }
    });
    if (this.#pending < this.sendQueueLimit) return true;
    this.#wantsDrain = true;
    return false;
  }

  #checkSend(data: Uint8Array, address: string, port: number): SocketError | undefined {
    if (this.#closed)
      return new SocketError('send on a closed UDP socket', {
        code: 'ERR_SOCKET_DGRAM_NOT_RUNNING',
      });
    const family = ipFamily(address);
    if (family === undefined || !Number.isInteger(port) || port < 1 || port > 65535) {
      return new SocketError(`invalid destination ${address}:${port}`, { code: 'EINVAL' });
    }
    if (data.length > maxUdpPayload(family)) {
      return new SocketError(
        `datagram of ${data.length} bytes exceeds the UDP maximum of ${maxUdpPayload(family)}`,
        {
          code: 'EMSGSIZE',
        },
      );
    }
    return undefined;
  }

  /** @internal */ deliver(data: Uint8Array, address: string, port: number): void {
    if (!this.#closed) this.#handler.onMessage(data, address, port);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#host.release(this);
  }
}
