// The raw UDP primitive: the only thing a runtime must provide to run the
// UDP and QUIC sockets. A `UdpStack` binds sockets and resolves names; a
// `RawUdpSocket` sends datagrams and hands received ones, with their source,
// to the handler it was bound with. Adapters: node:dgram (node-dgram.ts) and
// the in-memory simulated network (simulated-network.ts); Deno and Bun
// adapters implement the same two interfaces.

import type { Clock } from '../clock.js';

export interface UdpBindOptions {
  /** An IP literal; '0.0.0.0' or '::' for every address of that family. */
  address: string;
  /** 0 lets the stack pick a free port. */
  port: number;
  /** For '::' and other IPv6 binds: refuse IPv4 peers (no dual stack). Default false. */
  ipv6Only?: boolean;
  /** OS socket buffer sizes in bytes, where the stack supports them. */
  sendBufferSize?: number;
  receiveBufferSize?: number;
  /** Datagrams the socket may hold unsent before `send` returns false. Default 64. */
  sendQueueLimit?: number;
}

/** Called by the stack; exceptions thrown by a handler are the handler's bug and are not caught. */
export interface UdpHandler {
  /** One received datagram and its source (IPv4-mapped IPv6 sources are reported as IPv4). */
  onMessage(data: Uint8Array, address: string, port: number): void;
  /** The send queue fell below its limit after `send` returned false. */
  onDrain?(): void;
  /** The socket failed after binding and is unusable. */
  onError?(error: Error): void;
}

/** Called once per datagram: null when handed to the network, else why it could not be. */
export type SendCallback = (error: Error | null) => void;

export interface RawUdpSocket {
  /** The bound address (as bound: a wildcard stays a wildcard) and port (never 0). */
  readonly localAddress: string;
  readonly localPort: number;
  /** Datagrams accepted by `send` whose callback has not run yet. */
  readonly sendQueueLength: number;
  /** Threshold for `send`'s return value and `onDrain`; may be changed at any time. */
  sendQueueLimit: number;
  /**
   * Queues one datagram for `address` (an IP literal) and `port`. Returns
   * false when the queue is at or over `sendQueueLimit`: the caller should
   * wait for `onDrain`. The datagram is queued either way.
   */
  send(data: Uint8Array, address: string, port: number, callback?: SendCallback): boolean;
  /** Changes OS buffer sizes, where supported. */
  setBufferSizes?(sizes: { sendBufferSize?: number; receiveBufferSize?: number }): void;
  /** Releases the port; pending datagrams may be lost. Idempotent. */
  close(): Promise<void>;
}

export interface UdpStack {
  bind(options: UdpBindOptions, handler: UdpHandler): Promise<RawUdpSocket>;
  /** IP literals for a host name, most preferred first; rejects (with `code`, e.g. 'ENOTFOUND') when there are none. */
  lookup(hostname: string): Promise<string[]>;
  /**
   * Optional: the local address datagrams to `address` leave from (a route
   * lookup; nothing is sent). Lets a socket bound to a wildcard report the
   * address its peer sees.
   */
  sourceAddress?(address: string): Promise<string>;
  /** The clock sockets on this stack keep time with (virtual on the simulator). */
  readonly clock: Clock;
}

export const DEFAULT_SEND_QUEUE_LIMIT = 64;
