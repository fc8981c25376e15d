// SocketServer: a QUIC listener with the Socket API's shape. Each accepted
// connection is a quic Socket (openStream, incomingStreams, datagrams,
// closed, ...), handed out two ways: a 'connect' event carrying
// `event.socket` (Socket Workers style) and async iteration.
//
//   const server = new SocketServer({ type: 'quic', local: { port: 4433 },
//                                     tls: { certificate, privateKey, alpn: ['hq-interop'] } })
//   const { localAddress, localPort } = await server.ready
//   server.addEventListener('connect', (event) => handle(event.socket))
//   for await (const socket of server) handle(socket)
//   await server.close({ code: 0, reason: 'bye' })
import { type EndpointStats, emptyEndpointStats } from '../quic/endpoint/endpoint-options.js';
import { toSocketError } from './errors.js';
import { checkServerInit, type SocketServerInit } from './quic/server-init.js';
import { QuicListener } from './quic/server-listener.js';
import { acceptedSocket } from './quic/server-socket.js';
import type { Socket } from './socket.js';
import { nodeUdpStack } from './udp/node-dgram.js';
import type { UdpStack } from './udp/udp-stack.js';

export type { SocketServerInit } from './quic/server-init.js';

/** Sockets kept for async iteration while nobody iterates; beyond it they are only dispatched as events. */
const MAX_UNCLAIMED_SOCKETS = 1024;

export class ServerConnectEvent extends Event {
  readonly socket: Socket;
  constructor(socket: Socket) {
    super('connect');
    this.socket = socket;
  }
}

/** 'error': the UDP socket failed after listening; `closed` rejects with the same error. */
export class SocketServerErrorEvent extends Event {
  readonly error: unknown;
  constructor(error: unknown) {
    super('error');
    this.error = error;
  }
}

export interface SocketServerInfo {
  localAddress: string;
  localPort: number;
}

export interface SocketServerStats extends EndpointStats {
  /** Connections open now (any state until their closing period ends). */
  connections: number;
}

export class SocketServer extends EventTarget implements AsyncIterable<Socket> {
  /** Resolves with the bound address once the server listens. */
  readonly ready: Promise<SocketServerInfo>;
  /** Resolves once close() finished (or the server failed to start: then it rejects). */
  readonly closed: Promise<void>;
  #listener: QuicListener | undefined;
  #stack: UdpStack;
  #unclaimed: Socket[] = [];
  #waiting: ((result: IteratorResult<Socket>) => void)[] = [];
  #ended = false;
  #closing: Promise<void> | undefined;
  #resolveClosed!: () => void;
  #rejectClosed!: (reason: unknown) => void;

  constructor(init: SocketServerInit) {
    super();
    const checked = checkServerInit(init);
    this.#stack = checked.stack ?? nodeUdpStack;
    this.closed = new Promise((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    });
    this.closed.catch(() => {});
    this.ready = QuicListener.listen(
      this.#stack,
      checked.listener,
      (accepted) => {
        const { socket, onEvent } = acceptedSocket(accepted, this.#stack);
        this.#deliver(socket);
        return onEvent;
      },
      (error) => {
        const failure = toSocketError(error, 'the SocketServer UDP socket failed');
        this.#end();
        this.#rejectClosed(failure);
        this.dispatchEvent(new SocketServerErrorEvent(failure));
      },
    ).then(
      (listener) => {
        this.#listener = listener;
        if (this.#closing) void listener.close(0, '');
        return { localAddress: listener.localAddress, localPort: listener.localPort };
      },
      (error: unknown) => {
        const failure = toSocketError(error, 'SocketServer could not listen');
        this.#end();
        this.#rejectClosed(failure);
        throw failure;
      },
    );
    this.ready.catch(() => {});
    const signal = checked.signal;
    if (signal) {
      if (signal.aborted) void this.close();
      else signal.addEventListener('abort', () => void this.close(), { once: true });
    }
  }

  /** Counters of the endpoint: accepted, refused, Retry, Version Negotiation, resets, drops. */
  get stats(): SocketServerStats {
    const l = this.#listener;
    if (!l) return { ...emptyEndpointStats(), connections: 0 };
    const s = l.stats;
    return {
      ...s,
      datagramsDropped: { ...s.datagramsDropped },
      connections: l.connectionCount,
    };
  }

  /**
   * Graceful shutdown: new connections are refused, every connection closes
   * with `code` (an application error code) and `reason`, then the port is
   * released. Safe to call again.
   */
  close(options: { code?: number | bigint; reason?: string } = {}): Promise<void> {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`SocketServer close options must be an object, got ${String(options)}`);
    }
    const code = options.code ?? 0;
    if (
      (typeof code !== 'number' || !Number.isInteger(code) || code < 0) &&
      typeof code !== 'bigint'
    ) {
      throw new TypeError(
        `SocketServer close code must be a non-negative integer, got ${String(code)}`,
      );
    }
    const reason = options.reason ?? '';
    if (typeof reason !== 'string') {
      throw new TypeError(`SocketServer close reason must be a string, got ${String(reason)}`);
    }
    this.#closing ??= (async () => {
      this.#end();
      try {
        await this.ready;
      } catch {
        return;
      }
      await this.#listener!.close(code, reason);
      this.#resolveClosed();
    })();
    return this.#closing.then(() => this.closed);
  }

  [Symbol.asyncIterator](): AsyncIterator<Socket> {
    return {
      next: () => {
        const socket = this.#unclaimed.shift();
        if (socket) return Promise.resolve({ value: socket, done: false });
        if (this.#ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => this.#waiting.push(resolve));
      },
      return: () => {
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }

  #deliver(socket: Socket): void {
    this.dispatchEvent(new ServerConnectEvent(socket));
    const waiter = this.#waiting.shift();
    if (waiter) waiter({ value: socket, done: false });
    else if (this.#unclaimed.length < MAX_UNCLAIMED_SOCKETS) this.#unclaimed.push(socket);
  }

  #end(): void {
    this.#ended = true;
    for (const waiter of this.#waiting.splice(0)) waiter({ value: undefined, done: true });
  }
}
