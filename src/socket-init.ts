// What a Socket is built from, and the checks that turn bad arguments into
// a TypeError at once, naming the field and the value.

import { ipFamily, isHostname } from './address.js';
import type { QuicTlsInit, QuicTransportInit } from './quic/quic-init.js';
import type { UdpStack } from './udp/udp-stack.js';

export type SocketType = 'udp' | 'quic';

export interface SocketAddressInit {
  /** An IPv4/IPv6 literal or a host name (resolved when the socket opens). */
  address?: string;
  /** 0 (local only) picks a free port. */
  port?: number;
}

export interface SocketOptions {
  /** Received datagrams held for the reader; more are dropped and counted. Default 1024. */
  receiveQueueSize?: number;
  /** Datagrams queued in the UDP primitive before writes wait. Default 64. */
  sendQueueSize?: number;
  /** OS socket buffer sizes in bytes (where the stack supports them). */
  sendBufferSize?: number;
  receiveBufferSize?: number;
}

export interface SocketInit extends SocketOptions {
  type: SocketType;
  /** Bound mode (UDP): the address and port to bind. */
  local?: SocketAddressInit;
  /** Connected mode (UDP) or the server (QUIC). */
  remote?: SocketAddressInit;
  /** Aborting it aborts the socket with its reason. */
  signal?: AbortSignal;
  /** IPv6 sockets refuse IPv4 peers instead of dual stack. Default false. */
  ipv6Only?: boolean;
  /** Give up resolving a host name after this long. Default 10,000 ms. */
  lookupTimeoutMs?: number;
  /** The raw UDP primitive to run on (e.g. a simulated host). Default: node:dgram. */
  stack?: UdpStack;
  /** QUIC: TLS settings (alpn is required). */
  tls?: QuicTlsInit;
  /** QUIC: transport settings. */
  quic?: QuicTransportInit;
}

/** What `update()` may change on a live socket; other fields reject with a TypeError. */
export interface SocketUpdate extends SocketOptions {
  remote?: SocketAddressInit;
  local?: SocketAddressInit;
}

export interface SocketInfo {
  localAddress: string;
  localPort: number;
  /** Absent in UDP bound mode. */
  remoteAddress?: string;
  remotePort?: number;
  /** QUIC: the negotiated application protocol (ALPN). */
  alpn?: string;
  /** QUIC: the version in use (1, or 0x6b3343cf for v2). */
  version?: number;
  /** QUIC: the TLS 1.3 cipher suite code (0x1301, 0x1302 or 0x1303). */
  cipherSuite?: number;
  /** QUIC: the name the server certificate was checked against. */
  serverName?: string;
}

export interface SocketStats {
  datagramsSent: number;
  bytesSent: number;
  datagramsReceived: number;
  bytesReceived: number;
  /** Datagrams that arrived while the receive queue was full. */
  datagramsDropped: number;
  /** Writes that failed (too large, unreachable, ...). */
  sendErrors: number;
  /** QUIC connection sockets: packets, loss and the path's RTT and congestion state. */
  packetsSent?: number;
  packetsReceived?: number;
  packetsLost?: number;
  /** Stream bytes sent again after loss. */
  bytesRetransmitted?: number;
  /** ms (RFC 9002 §5). */
  smoothedRtt?: number;
  rttVariance?: number;
  minRtt?: number;
  /** Bytes (RFC 9002 §7). */
  congestionWindow?: number;
  bytesInFlight?: number;
}

/** A checked address: `address` is an IP literal or a valid host name, `port` an integer in range. */
export interface EndpointInit {
  address: string;
  port: number;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'object' && value !== null) return Object.prototype.toString.call(value);
  return String(value);
}

export function fail(field: string, expected: string, value: unknown): never {
  throw new TypeError(`Socket ${field} must be ${expected}, got ${describe(value)}`);
}

export function checkObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail(field, 'an object', value);
  }
  return value as Record<string, unknown>;
}

export function checkAddress(field: string, value: unknown): string {
  if (typeof value !== 'string' || (ipFamily(value) === undefined && !isHostname(value))) {
    fail(field, 'an IPv4 or IPv6 address or a host name', value);
  }
  return value;
}

export function checkPort(field: string, value: unknown, allowZero: boolean): number {
  const min = allowZero ? 0 : 1;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > 65535) {
    fail(field, `an integer from ${min} to 65535`, value);
  }
  return value;
}

export function checkCount(field: string, value: unknown, max = 2 ** 31 - 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    fail(field, `an integer from 1 to ${max}`, value);
  }
  return value;
}

/** `local`: address defaults to '0.0.0.0', port to 0. */
export function checkLocal(field: string, value: unknown): EndpointInit {
  const local = checkObject(field, value);
  const address =
    local.address === undefined ? '0.0.0.0' : checkAddress(`${field}.address`, local.address);
  const port = local.port === undefined ? 0 : checkPort(`${field}.port`, local.port, true);
  return { address, port };
}

/** `remote`: address and a non-zero port are required. */
export function checkRemote(field: string, value: unknown): EndpointInit {
  const remote = checkObject(field, value);
  return {
    address: checkAddress(`${field}.address`, remote.address),
    port: checkPort(`${field}.port`, remote.port, false),
  };
}

/** Checks the buffer and queue sizes present in `source`. */
export function checkOptions(prefix: string, source: Record<string, unknown>): SocketOptions {
  const options: SocketOptions = {};
  if (source.receiveQueueSize !== undefined) {
    options.receiveQueueSize = checkCount(
      `${prefix}receiveQueueSize`,
      source.receiveQueueSize,
      1 << 20,
    );
  }
  if (source.sendQueueSize !== undefined) {
    options.sendQueueSize = checkCount(`${prefix}sendQueueSize`, source.sendQueueSize, 1 << 20);
  }
  if (source.sendBufferSize !== undefined) {
    options.sendBufferSize = checkCount(`${prefix}sendBufferSize`, source.sendBufferSize);
  }
  if (source.receiveBufferSize !== undefined) {
    options.receiveBufferSize = checkCount(`${prefix}receiveBufferSize`, source.receiveBufferSize);
  }
  return options;
}

/** The checks every socket type shares; the type-specific ones are the backend's. */
export function checkInit(value: unknown): SocketInit {
  const init = checkObject('init', value);
  if (init.type !== 'udp' && init.type !== 'quic') fail('init.type', "'udp' or 'quic'", init.type);
  if (init.signal !== undefined && !(init.signal instanceof AbortSignal)) {
    fail('init.signal', 'an AbortSignal', init.signal);
  }
  if (init.ipv6Only !== undefined && typeof init.ipv6Only !== 'boolean') {
    fail('init.ipv6Only', 'a boolean', init.ipv6Only);
  }
  if (init.lookupTimeoutMs !== undefined) checkCount('init.lookupTimeoutMs', init.lookupTimeoutMs);
  if (init.stack !== undefined) {
    const stack = checkObject('init.stack', init.stack);
    if (
      typeof stack.bind !== 'function' ||
      typeof stack.lookup !== 'function' ||
      typeof stack.clock !== 'object'
    ) {
      fail('init.stack', 'a UdpStack (bind, lookup, clock)', init.stack);
    }
  }
  if (init.local !== undefined) checkLocal('init.local', init.local);
  if (init.remote !== undefined) checkRemote('init.remote', init.remote);
  checkOptions('init.', init);
  return init as unknown as SocketInit;
}

/** A datagram as the readable yields it (and bound-mode writes take it). */
export interface UDPMessage {
  data: Uint8Array;
  remoteAddress: string;
  remotePort: number;
}

/** Bytes a write takes: an ArrayBuffer or any view of one (a BufferSource). */
export type DatagramData = ArrayBuffer | ArrayBufferView;

/** What a bound-mode write takes: `remoteAddress` may be a host name. */
export interface UDPMessageInit {
  data: DatagramData;
  remoteAddress: string;
  remotePort: number;
}

/** What a write takes: connected mode a BufferSource (or `{ data }`), bound mode a UDPMessageInit. */
export type SocketWriteChunk = DatagramData | { data: DatagramData } | UDPMessageInit;
