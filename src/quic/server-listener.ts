// The I/O shell of a QUIC server: one bound UDP socket, one sans-IO
// Endpoint (quic/endpoint/) that routes datagrams and answers what needs no
// state, and a ConnectionDriver per accepted connection sending through the
// shared socket. Used by SocketServer (src/server.ts), the interop endpoint
// and the demo.
//
//   const listener = await QuicListener.listen(stack, options, (accepted) => onEvent)
//   listener.localAddress / localPort / stats
//   await listener.close(code, reason)   // closes every connection, then the port
import type { ConnectionEvent } from '../../quic/connection/connection-events.js';
import { Endpoint } from '../../quic/endpoint/endpoint.js';
import type { EndpointOptions, EndpointStats } from '../../quic/endpoint/endpoint-options.js';
import type { RawUdpSocket, UdpStack } from '../udp/udp-stack.js';
import { ConnectionDriver, type PeerAddress } from './connection-driver.js';
import { secureRandom } from './secure-random.js';

export type QuicListenerOptions = Omit<EndpointOptions, 'random' | 'currentTimeMs'> & {
  address: string;
  port: number;
  /** Injected randomness (default: the runtime's CSPRNG). */
  random?: (n: number) => Uint8Array;
  /** How long close() waits for connections to finish closing (ms, default 2000). */
  closeTimeoutMs?: number;
};

export interface AcceptedConnection {
  readonly connection: ConnectionDriver['connection'];
  readonly driver: ConnectionDriver;
  readonly remote: PeerAddress;
  /**
   * The shared UDP socket seen by this connection: sends go to the listener's
   * socket; close() does nothing (the listener owns the port).
   */
  readonly socket: RawUdpSocket;
}

/** Called once per accepted connection; returns the handler for its events. */
export type OnAccept = (accepted: AcceptedConnection) => (event: ConnectionEvent) => void;

export class QuicListener {
  private readonly drivers = new Map<AcceptedConnection['connection'], ConnectionDriver>();
  private socket!: RawUdpSocket;
  /** The port as each accepted connection sees it: one view for all of them. */
  private view: RawUdpSocket | undefined;
  private closing: Promise<void> | undefined;
  private readonly idleWaiters: (() => void)[] = [];
  private readonly dirty = new Set<ConnectionDriver>();
  private flushQueued = false;
  /** Datagrams whose handling threw (a bug, counted instead of crashing the server). */
  internalErrors = 0;
  lastInternalError: unknown;
  readonly endpoint: Endpoint;

  private constructor(
    private readonly stack: UdpStack,
    private readonly options: QuicListenerOptions,
    private readonly onAccept: OnAccept,
  ) {
    this.endpoint = new Endpoint({
      ...options,
      random: options.random ?? secureRandom,
      currentTimeMs: () => Date.now(),
    });
  }

  static async listen(
    stack: UdpStack,
    options: QuicListenerOptions,
    onAccept: OnAccept,
    onError?: (error: Error) => void,
  ): Promise<QuicListener> {
    const listener = new QuicListener(stack, options, onAccept);
    listener.socket = await stack.bind(
      {
        address: options.address,
        port: options.port,
        receiveBufferSize: 8 * 1024 * 1024,
        sendBufferSize: 8 * 1024 * 1024,
        sendQueueLimit: 1024,
      },
      {
        onMessage: (data, address, port) => listener.onMessage(data, { address, port }),
        onDrain: () => {
          for (const driver of listener.drivers.values()) driver.onDrain();
        },
        // The port is unusable: stop every driver; the owner decides what to report.
        onError: (error) => {
          for (const driver of listener.drivers.values()) driver.stop();
          listener.drivers.clear();
          onError?.(error);
        },
      },
    );
    return listener;
  }

  get localAddress(): string {
    return this.socket.localAddress;
  }

  get localPort(): number {
    return this.socket.localPort;
  }

  get stats(): EndpointStats {
    return this.endpoint.stats;
  }

  get connectionCount(): number {
    return this.drivers.size;
  }

  /** Graceful shutdown: every connection closes with `code`, then the port is released. */
  close(code: number | bigint = 0, reason = ''): Promise<void> {
    this.closing ??= this.shutdown(code, reason);
    return this.closing;
  }

  private async shutdown(code: number | bigint, reason: string): Promise<void> {
    this.endpoint.close(this.stack.clock.now(), code, reason);
    for (const driver of this.drivers.values()) driver.service();
    if (this.drivers.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = this.stack.clock.setTimer(this.options.closeTimeoutMs ?? 2000, resolve);
        this.idleWaiters.push(() => {
          this.stack.clock.clearTimer(timer);
          resolve();
        });
      });
    }
    for (const driver of this.drivers.values()) driver.stop();
    this.drivers.clear();
    await this.socket.close();
  }

  private onMessage(data: Uint8Array, from: PeerAddress): void {
    let connection: AcceptedConnection['connection'] | undefined;
    try {
      connection = this.endpoint.receive(this.stack.clock.now(), from, data);
    } catch (error) {
      // The core turns protocol errors into closes; anything that still
      // escapes is our bug and must not take the whole server down.
      this.internalErrors++;
      this.lastInternalError = error;
    }
    this.acceptNew();
    this.flushEndpoint();
    const driver = connection && this.drivers.get(connection);
    if (driver) this.scheduleFlush(driver);
  }

  /**
   * Run the drivers that received datagrams once the burst the runtime has
   * ready is in (clock.defer), so one ACK and one batch of sends answer many
   * packets, as ConnectionDriver does for a client.
   */
  private scheduleFlush(driver: ConnectionDriver): void {
    this.dirty.add(driver);
    if (this.flushQueued) return;
    this.flushQueued = true;
    const run = () => {
      this.flushQueued = false;
      const drivers = [...this.dirty];
      this.dirty.clear();
      for (const d of drivers) d.service();
    };
    if (this.stack.clock.defer) this.stack.clock.defer(run);
    else queueMicrotask(run);
  }

  private acceptNew(): void {
    for (let e = this.endpoint.pollEvent(); e; e = this.endpoint.pollEvent()) {
      const { connection, remote } = e;
      let onEvent: (event: ConnectionEvent) => void = () => {};
      const driver = new ConnectionDriver(
        connection,
        this.socket,
        remote,
        this.stack.clock,
        (event) => {
          onEvent(event);
          if (event.type === 'terminated') this.onTerminated(connection);
        },
      );
      this.drivers.set(connection, driver);
      onEvent = this.onAccept({ connection, driver, remote, socket: this.sharedView() });
      driver.scheduleService();
    }
  }

  private onTerminated(connection: AcceptedConnection['connection']): void {
    this.endpoint.forget(connection);
    this.drivers.get(connection)?.stop();
    this.drivers.delete(connection);
    if (this.drivers.size === 0) for (const wake of this.idleWaiters.splice(0)) wake();
  }

  private flushEndpoint(): void {
    for (let t = this.endpoint.pollTransmit(); t; t = this.endpoint.pollTransmit()) {
      this.socket.send(t.data, t.to.address, t.to.port);
    }
  }

  private sharedView(): RawUdpSocket {
    const socket = this.socket;
    this.view ??= {
      get localAddress() {
        return socket.localAddress;
      },
      get localPort() {
        return socket.localPort;
      },
      get sendQueueLength() {
        return socket.sendQueueLength;
      },
      get sendQueueLimit() {
        return socket.sendQueueLimit;
      },
      set sendQueueLimit(_limit: number) {
        // The listener owns the shared socket's limit.
      },
      send: (data, address, port, callback) => socket.send(data, address, port, callback),
      close: async () => {},
    };
    return this.view;
  }
}
