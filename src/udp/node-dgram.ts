// The UdpStack of Node.js (also Deno and Bun through their node: layers):
// node:dgram sockets and node:dns lookups.

import { createSocket, type Socket as DgramSocket, type SocketType } from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns/promises';
import { ipFamily, mapIPv4, unmapIPv4 } from '../address.js';
import { realClock } from '../clock.js';
import { SocketError, toSocketError } from '../errors.js';
import {
  DEFAULT_SEND_QUEUE_LIMIT,
  type RawUdpSocket,
  type SendCallback,
  type UdpBindOptions,
  type UdpHandler,
  type UdpStack,
} from './udp-stack.js';

class NodeDgramSocket implements RawUdpSocket {
  readonly localAddress: string;
  readonly localPort: number;
  sendQueueLimit: number;
  #socket: DgramSocket;
  #handler: UdpHandler;
  #type: SocketType;
  #ipv6Only: boolean;
  #pending = 0;
  #wantsDrain = false;
  #closing: Promise<void> | undefined;
  #completions: unknown[] = [];
  #completionsScheduled = false;
  #lastAddress: string | undefined;
  #lastDestination: string | Error | undefined;
  /** dgram's own queue length, where the runtime has it (Node.js >= 18.8). */
  #queuedInDgram: (() => number) | undefined;
  #queueWatch: ReturnType<typeof setTimeout> | undefined;
  #closed = false;

  constructor(socket: DgramSocket, options: UdpBindOptions, handler: UdpHandler, type: SocketType) {
    this.#socket = socket;
    this.#handler = handler;
    this.#type = type;
    this.#ipv6Only = options.ipv6Only ?? false;
    this.sendQueueLimit = options.sendQueueLimit ?? DEFAULT_SEND_QUEUE_LIMIT;
    const bound = socket.address();
    this.localAddress = bound.address;
    this.localPort = bound.port;
    if (typeof socket.getSendQueueCount === 'function') {
      this.#queuedInDgram = () => (this.#closed ? 0 : socket.getSendQueueCount());
    }
    // Per datagram: an IPv4 socket never sees mapped addresses, and an IPv6
    // socket's peers repeat, so the address text is parsed once per peer
    // change instead of once per datagram (it showed in bulk-transfer profiles).
    let rawAddress = '';
    let address = '';
    socket.on('message', (message, remote) => {
      const data = new Uint8Array(message.buffer, message.byteOffset, message.byteLength);
      if (remote.address !== rawAddress) {
        rawAddress = remote.address;
        address = type === 'udp4' ? rawAddress : unmapIPv4(rawAddress);
      }
      this.#handler.onMessage(data, address, remote.port);
    });
    socket.on('error', (error) => {
      this.#handler.onError?.(toSocketError(error, 'UDP socket error'));
    });
  }

  get sendQueueLength(): number {
    return this.#pending + (this.#queuedInDgram?.() ?? 0);
  }

  send(data: Uint8Array, address: string, port: number, callback?: SendCallback): boolean {
    const destination = this.#destination(address);
    if (callback === undefined && typeof destination === 'string' && this.#queuedInDgram) {
      return this.#sendUnobserved(data, port, destination);
    }
    this.#pending++;
    if (typeof destination !== 'string') {
      queueMicrotask(() => this.#sent(destination, callback));
    } else {
      this.#socket.send(data, port, destination, (error) => this.#completed(error, callback));
    }
    if (this.#pending < this.sendQueueLimit) return true;
    this.#wantsDrain = true;
    return false;
  }

  /**
   * A send nobody waits for (QUIC's): no completion callback, so dgram
   * schedules no tick and keeps no closure per datagram (about 1 us of a
   * bulk sender's ~10 us per send). A datagram the kernel takes at once is
   * done; one it cannot take waits in dgram's own queue, which is what
   * counts against the limit, and is watched until it drains. A failed send
   * is a lost datagram, which QUIC recovers from.
   */
  #sendUnobserved(data: Uint8Array, port: number, destination: string): boolean {
    this.#socket.send(data, port, destination);
    const queued = this.#queuedInDgram!();
    if (queued === 0) return this.#pending < this.sendQueueLimit;
    this.#watchQueue();
    if (this.#pending + queued < this.sendQueueLimit) return true;
    this.#wantsDrain = true;
    return false;
  }

  /** While dgram holds datagrams the kernel could not take yet: look again every ms. */
  #watchQueue(): void {
    if (this.#queueWatch !== undefined) return;
    this.#queueWatch = setTimeout(() => {
      this.#queueWatch = undefined;
      if (this.#closed) return;
      if (this.#queuedInDgram!() > 0) this.#watchQueue();
      this.#maybeDrain();
    }, 1);
  }

  #maybeDrain(): void {
    if (this.#wantsDrain && this.sendQueueLength < this.sendQueueLimit) {
      this.#wantsDrain = false;
      this.#handler.onDrain?.();
    }
  }

  /**
   * dgram reports a send that completed at once on the next tick; reporting
   * on the next turn of the event loop instead lets receives run, so a sender
   * that awaits each write cannot starve its own reads. Completions are
   * batched into one setImmediate per turn (one per datagram cost ~10% of a
   * bulk transfer's CPU).
   */
  #completed(error: Error | null | undefined, callback: SendCallback | undefined): void {
    this.#completions.push(error ?? null, callback);
    if (this.#completionsScheduled) return;
    this.#completionsScheduled = true;
    setImmediate(() => {
      this.#completionsScheduled = false;
      const done = this.#completions;
      this.#completions = [];
      for (let i = 0; i < done.length; i += 2) {
        this.#sent(done[i] as Error | null, done[i + 1] as SendCallback | undefined);
      }
    });
  }

  /** The address dgram needs for this family (cached: one peer is the common case). */
  #destination(address: string): string | Error {
    if (address === this.#lastAddress) return this.#lastDestination!;
    const destination = this.#resolveDestination(address);
    this.#lastAddress = address;
    this.#lastDestination = destination;
    return destination;
  }

  /** The address dgram needs for this family, or why this socket cannot reach it. */
  #resolveDestination(address: string): string | Error {
    const family = ipFamily(address);
    if (this.#type === 'udp4' && family === 6) {
      return new SocketError(`cannot send to IPv6 ${address} from an IPv4 socket`, {
        code: 'EAFNOSUPPORT',
      });
    }
    if (this.#type === 'udp6' && family === 4) {
      if (this.#ipv6Only) {
        return new SocketError(`cannot send to IPv4 ${address} from an IPv6-only socket`, {
          code: 'EAFNOSUPPORT',
        });
      }
      // A dual-stack IPv6 socket reaches IPv4 peers at their IPv4-mapped address.
      return mapIPv4(address);
    }
    return address;
  }

  #sent(error: Error | null, callback: SendCallback | undefined): void {
    this.#pending--;
    callback?.(error === null ? null : toSocketError(error, 'UDP send failed'));
    this.#maybeDrain();
  }

  setBufferSizes(sizes: { sendBufferSize?: number; receiveBufferSize?: number }): void {
    if (sizes.sendBufferSize !== undefined) this.#socket.setSendBufferSize(sizes.sendBufferSize);
    if (sizes.receiveBufferSize !== undefined) {
      this.#socket.setRecvBufferSize(sizes.receiveBufferSize);
    }
  }

  close(): Promise<void> {
    this.#closed = true;
    if (this.#queueWatch !== undefined) clearTimeout(this.#queueWatch);
    this.#queueWatch = undefined;
    this.#closing ??= new Promise<void>((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve(); // already closed
      }
    });
    return this.#closing;
  }
}

type LookupCallback = (error: Error | null, address: string, family: number) => void;

let lastLiteral = '';
let lastLiteralFamily = 4;

/**
 * dgram's `lookup` option for sockets that are only ever given IP literals.
 * dgram calls it for every send: the family of the last literal is kept, so
 * a bulk sender parses its peer's address once, not once per datagram.
 */
function literalLookup(address: string, _options: unknown, callback: LookupCallback): void {
  if (address !== lastLiteral) {
    lastLiteralFamily = ipFamily(address) === 6 ? 6 : 4;
    lastLiteral = address;
  }
  callback(null, address, lastLiteralFamily);
}

export class NodeUdpStack implements UdpStack {
  readonly clock = realClock;

  bind(options: UdpBindOptions, handler: UdpHandler): Promise<RawUdpSocket> {
    const family = ipFamily(options.address);
    if (family === undefined) {
      return Promise.reject(
        new TypeError(`bind address must be an IP literal, got ${options.address}`),
      );
    }
    const type: SocketType = family === 4 ? 'udp4' : 'udp6';
    return new Promise<RawUdpSocket>((resolve, reject) => {
      const socket = createSocket({
        type,
        // Destinations are always IP literals: answer dgram's per-send lookup
        // at once instead of through dns.lookup and a tick.
        lookup: literalLookup,
        ipv6Only: options.ipv6Only ?? false,
        recvBufferSize: options.receiveBufferSize,
        sendBufferSize: options.sendBufferSize,
      });
      const onBindError = (error: Error) => {
        socket.close();
        const where = family === 6 ? `[${options.address}]` : options.address;
        reject(toSocketError(error, `cannot bind UDP ${where}:${options.port}`));
      };
      socket.once('error', onBindError);
      socket.bind(options.port, options.address, () => {
        socket.off('error', onBindError);
        try {
          resolve(new NodeDgramSocket(socket, options, handler, type));
        } catch (error) {
          socket.close();
          reject(toSocketError(error, 'UDP socket setup failed'));
        }
      });
    });
  }

  sourceAddress(address: string): Promise<string> {
    const family = ipFamily(address);
    if (family === undefined) {
      return Promise.reject(new TypeError(`address must be an IP literal, got ${address}`));
    }
    // Connecting a UDP socket only asks the kernel for a route: nothing is sent.
    return new Promise<string>((resolve, reject) => {
      const probe = createSocket(family === 4 ? 'udp4' : 'udp6');
      probe.once('error', (error) => {
        probe.close();
        reject(toSocketError(error, `no route to ${address}`));
      });
      probe.connect(9, address, () => {
        const source = unmapIPv4(probe.address().address);
        probe.close();
        resolve(source);
      });
    });
  }

  async lookup(hostname: string): Promise<string[]> {
    const results = await dnsLookup(hostname, { all: true, verbatim: true });
    if (results.length === 0) {
      throw new SocketError(`no addresses for ${hostname}`, { code: 'ENOTFOUND' });
    }
    return results.map((result) => result.address);
  }
}

/** The default stack of the Socket class on Node.js. */
export const nodeUdpStack: UdpStack = new NodeUdpStack();
