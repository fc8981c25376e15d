// The QUIC backend of Socket: one client connection. `readable`/`writable`
// are a default bidirectional stream opened on first use; openStream(),
// incomingStreams and datagrams are the WebTransport-shaped rest. Each
// stream is itself a Socket (stream-socket-backend.ts).

import { getCryptoProvider } from '../../crypto/providers.js';
import type { ConnectionEvent } from '../../quic/connection/connection-events.js';
import { SocketError, toSocketError } from '../errors.js';
import type { SocketBackend, SocketBackendContext } from '../socket-backend.js';
import type { SocketInfo, SocketInit } from '../socket-init.js';
import { nodeUdpStack } from '../udp/node-dgram.js';
import type { UdpStack } from '../udp/udp-stack.js';
import { type ClientConnectionHandle, openClientConnection } from './client-connection.js';
import { applicationErrorCode, closeInfoToError } from './quic-errors.js';
import { type CheckedQuicInit, checkQuicInit } from './quic-init.js';
import { type StreamHost, StreamSocketBackend } from './stream-socket-backend.js';
import { systemTrustAnchors } from './system-trust.js';

/** What the Socket class reaches through for QUIC-only members. */
export interface QuicSocketApi {
  openStream(options?: { bidirectional?: boolean }): Promise<StreamSocket>;
  readonly incomingStreams: ReadableStream<StreamSocket>;
  readonly datagrams: {
    readable: ReadableStream<Uint8Array>;
    writable: WritableStream<BufferSource>;
  };
}

/** A stream Socket; the concrete class is the public Socket (wired by socket.ts). */
export interface StreamSocket {
  readonly readable: ReadableStream<unknown>;
  readonly writable: WritableStream<unknown>;
  close(): Promise<void>;
  abort(reason?: unknown): void;
}

/** Creates a Socket around a stream backend (installed by socket.ts, avoiding an import cycle). */
export type StreamSocketFactory = (
  create: (context: SocketBackendContext) => StreamSocketBackend,
) => StreamSocket;

let streamSocketFactory: StreamSocketFactory | undefined;

export function setStreamSocketFactory(factory: StreamSocketFactory): void {
  streamSocketFactory = factory;
}

const MAX_INCOMING_DATAGRAMS = 256;

/**
 * A connection made elsewhere (a server's listener accepted it) that a
 * Socket takes over: its handle, and a way to receive its events.
 */
export interface AdoptedConnection {
  readonly handle: ClientConnectionHandle;
  readonly remotePort: number;
  /** Called once with the backend's event handler; queued events are replayed into it. */
  attach(onEvent: (event: ConnectionEvent) => void): void;
}

export class QuicSocketBackend implements SocketBackend, StreamHost, QuicSocketApi {
  /** Client sockets only: the checked init. */
  private readonly options: CheckedQuicInit | undefined;
  private readonly stack: UdpStack;
  private handle: ClientConnectionHandle | undefined;
  /** Created with the first stream: most server connections idle without one. */
  private streams: Map<number, StreamSocketBackend> | undefined;
  private connectedResolve!: (info: SocketInfo) => void;
  private connectedReject!: (error: unknown) => void;
  /** `connected` has settled: later rejections are no-ops, so their errors need not be built. */
  private connectedSettled = false;
  private readonly connected: Promise<SocketInfo>;
  private failure: SocketError | undefined;
  private cleanClose = false;
  /**
   * incomingStreams and datagrams are created on first use: web streams cost
   * a few KiB per connection, and most server connections never touch
   * datagrams. Peer streams opened before incomingStreams is read wait in
   * `pendingIncoming` (bounded by our MAX_STREAMS); datagrams arriving
   * before `datagrams` is read are dropped (RFC 9221 §5 allows it).
   */
  private incoming:
    | {
        stream: ReadableStream<StreamSocket>;
        controller: ReadableStreamDefaultController<StreamSocket>;
      }
    | undefined;
  private readonly pendingIncoming: StreamSocket[] = [];
  private datagramPair:
    | { api: QuicSocketApi['datagrams']; controller: ReadableStreamDefaultController<Uint8Array> }
    | undefined;
  private ended = false;
  private defaultStream: Promise<StreamSocket> | undefined;
  private defaultReadable: ReadableStream<Uint8Array> | undefined;
  private defaultWritable: WritableStream<BufferSource> | undefined;
  private terminated = false;

  constructor(
    init: SocketInit,
    private readonly context: SocketBackendContext,
    private readonly adopted?: AdoptedConnection,
  ) {
    this.stack = init.stack ?? nodeUdpStack;
    if (adopted === undefined) {
      this.options = checkQuicInit(init as unknown as Record<string, unknown>);
      getCryptoProvider(this.options.cryptoProvider); // a TypeError now, not at open
    }
    this.connected = new Promise((resolve, reject) => {
      this.connectedResolve = resolve;
      this.connectedReject = reject;
    });
    this.connected.catch(() => {});
  }

  get incomingStreams(): ReadableStream<StreamSocket> {
    if (this.incoming === undefined) {
      let controller!: ReadableStreamDefaultController<StreamSocket>;
      const stream = new ReadableStream<StreamSocket>({
        start: (c) => {
          controller = c;
        },
      });
      this.incoming = { stream, controller };
      for (const socket of this.pendingIncoming.splice(0)) controller.enqueue(socket);
      if (this.ended) controller.close();
    }
    return this.incoming.stream;
  }

  get datagrams(): QuicSocketApi['datagrams'] {
    if (this.datagramPair === undefined) {
      let controller!: ReadableStreamDefaultController<Uint8Array>;
      const readable = new ReadableStream<Uint8Array>(
        {
          start: (c) => {
            controller = c;
          },
        },
        { highWaterMark: MAX_INCOMING_DATAGRAMS },
      );
      const writable = new WritableStream<BufferSource>({
        write: (chunk) => this.sendDatagram(chunk),
      });
      this.datagramPair = { api: { readable, writable }, controller };
      if (this.ended) controller.close();
    }
    return this.datagramPair.api;
  }

  get connection() {
    return this.requireHandle().connection;
  }

  // ---- SocketBackend -------------------------------------------------------------

  get readable(): ReadableStream<Uint8Array> {
    this.defaultReadable ??= this.proxyReadable();
    return this.defaultReadable;
  }

  get writable(): WritableStream<BufferSource> {
    this.defaultWritable ??= this.proxyWritable();
    return this.defaultWritable;
  }

  async open(): Promise<SocketInfo> {
    if (this.adopted) {
      this.handle = this.adopted.handle;
      this.adopted.attach((event) => this.onEvent(event));
      return this.connected;
    }
    const o = this.options!;
    const trustAnchors =
      o.trustAnchors ??
      (o.pinnedSha256 || o.dangerouslySkipVerification ? undefined : systemTrustAnchors());
    try {
      this.handle = await openClientConnection(
        this.stack,
        {
          host: o.remote.address,
          port: o.remote.port,
          serverName: o.serverName,
          alpn: o.alpn,
          ...(trustAnchors ? { trustAnchors } : {}),
          ...(o.pinnedSha256 ? { pinnedSha256: o.pinnedSha256 } : {}),
          ...(o.dangerouslySkipVerification ? { dangerouslySkipVerification: true } : {}),
          ...(o.cipherSuites ? { cipherSuites: o.cipherSuites } : {}),
          ...(o.keyLog ? { keyLog: o.keyLog } : {}),
          ...(o.congestionControl ? { congestionControl: o.congestionControl } : {}),
          ...(o.maxDatagramSize ? { maxDatagramSize: o.maxDatagramSize } : {}),
          ...(o.local ? { localAddress: o.local.address, localPort: o.local.port } : {}),
          version: o.version,
          cryptoProvider: getCryptoProvider(o.cryptoProvider),
          transport: o.transport,
        },
        (event) => this.onEvent(event),
      );
    } catch (error) {
      throw toSocketError(error, `cannot connect to ${o.remote.address}:${o.remote.port}`);
    }
    const signal = this.context.signal();
    if (signal.aborted) throw signal.reason;
    return this.connected;
  }

  info(): SocketInfo {
    const h = this.handle;
    if (!h) return { localAddress: '', localPort: 0 };
    const c = h.connection;
    return {
      localAddress: h.socket.localAddress,
      localPort: h.socket.localPort,
      remoteAddress: h.remoteAddress,
      remotePort: this.options?.remote.port ?? this.adopted!.remotePort,
      ...(c.alpn ? { alpn: c.alpn } : {}),
      version: c.version,
      ...(c.cipherSuite ? { cipherSuite: c.cipherSuite } : {}),
      ...(this.options ? { serverName: this.options.serverName } : {}),
    } as SocketInfo;
  }

  update(update: Record<string, unknown>): Promise<void> {
    const field = Object.keys(update)[0] ?? '(nothing)';
    return Promise.reject(
      new TypeError(
        `Socket update: '${field}' cannot change on a QUIC socket (connection migration is not supported yet)`,
      ),
    );
  }

  async close(): Promise<void> {
    const h = this.handle;
    if (!h || this.terminated) return;
    this.cleanClose = true;
    h.connection.close(this.now(), 0, '');
    h.driver.service();
    // RFC 9000 §10.2: the CONNECTION_CLOSE is out; the closing period (three
    // PTOs, answering late packets with CONNECTION_CLOSE again) runs on in
    // the background and the port is released at its end ('terminated'), as
    // quic-go and quinn do. Waiting for it made close() take seconds after a
    // lossy handshake had inflated the RTT estimate.
  }

  abort(reason: unknown): void {
    const h = this.handle;
    const error =
      reason instanceof SocketError
        ? reason
        : new SocketError(`aborted: ${String(reason)}`, { code: 'ABORT_ERR', cause: reason });
    this.failure ??= error;
    this.connectedSettled = true;
    this.connectedReject(reason);
    for (const stream of this.streams?.values() ?? []) stream.abort(reason);
    if (!h) return;
    if (h.connection.state === 'handshake' || h.connection.state === 'established') {
      h.connection.close(this.now(), applicationErrorCode(reason), 'aborted');
      h.driver.service();
    }
    this.release();
  }

  refreshStats(): void {
    const h = this.handle;
    if (!h) return;
    const c = h.connection;
    const r = c.recovery;
    Object.assign(this.context.stats, {
      datagramsSent: c.stats.packetsSent,
      datagramsReceived: c.stats.packetsReceived,
      bytesSent: c.stats.bytesSent,
      bytesReceived: c.stats.bytesReceived,
      packetsSent: c.stats.packetsSent,
      packetsReceived: c.stats.packetsReceived,
      packetsLost: c.stats.packetsLost,
      bytesRetransmitted: c.stats.bytesRetransmitted,
      smoothedRtt: r.rtt.smoothedRtt,
      rttVariance: r.rtt.rttvar,
      minRtt: r.rtt.minRtt,
      congestionWindow: r.congestion.window,
      bytesInFlight: r.bytesInFlight,
    });
  }

  // ---- QUIC API --------------------------------------------------------------------

  async openStream(options: { bidirectional?: boolean } = {}): Promise<StreamSocket> {
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`openStream options must be an object, got ${String(options)}`);
    }
    const bidi = options.bidirectional ?? true;
    if (typeof bidi !== 'boolean') {
      throw new TypeError(`openStream bidirectional must be a boolean, got ${String(bidi)}`);
    }
    await this.connected;
    for (;;) {
      this.throwIfClosed();
      const id = this.connection.openStream(bidi);
      if (id !== null) return this.streamSocket(id);
      // RFC 9000 §4.6: at the peer's stream limit: wait for MAX_STREAMS.
      await this.waitForStreams();
    }
  }

  // ---- StreamHost ------------------------------------------------------------------

  now(): number {
    return this.stack.clock.now();
  }

  wake(): void {
    this.handle?.driver.scheduleService();
  }

  closedError(): SocketError | undefined {
    return this.failure;
  }

  // ---- internals -------------------------------------------------------------------

  private streamWaiters: (() => void)[] = [];

  private waitForStreams(): Promise<void> {
    return new Promise((resolve) => this.streamWaiters.push(resolve));
  }

  private streamSocket(id: number): StreamSocket {
    if (!streamSocketFactory) throw new Error('stream sockets are not wired (socket.ts)');
    return streamSocketFactory((context) => {
      const backend = new StreamSocketBackend(id, this, context);
      this.streams ??= new Map();
      this.streams.set(id, backend);
      return backend;
    });
  }

  private onEvent(event: ConnectionEvent): void {
    switch (event.type) {
      case 'connected':
        this.connectedSettled = true;
        this.connectedResolve(this.info());
        return;
      case 'stream':
        this.onStreamEvent(event.event);
        return;
      case 'datagram': {
        const controller = this.datagramPair?.controller;
        if (controller && (controller.desiredSize ?? 0) > 0) controller.enqueue(event.data);
        return;
      }
      case 'closed':
        this.onClosed(closeInfoToError(event.info));
        return;
      case 'terminated':
        this.release();
        return;
      default:
        return;
    }
  }

  private onStreamEvent(event: Parameters<StreamSocketBackend['onEvent']>[0]): void {
    if (event.type === 'streams-available') {
      for (const wake of this.streamWaiters.splice(0)) wake();
      return;
    }
    if (event.type === 'opened') {
      const socket = this.streamSocket(event.streamId);
      if (this.incoming) this.incoming.controller.enqueue(socket);
      else this.pendingIncoming.push(socket);
      return;
    }
    const stream = this.streams?.get(event.streamId);
    stream?.onEvent(event);
    if (event.type === 'closed') this.streams?.delete(event.streamId);
  }

  private onClosed(error: SocketError | undefined): void {
    const failure = this.cleanClose ? undefined : error;
    if (failure) this.failure = failure;
    // An Error captures a stack trace: only build one that someone can see.
    if (!this.connectedSettled) {
      this.connectedSettled = true;
      this.connectedReject(
        failure ??
          new SocketError('the connection closed during the handshake', { code: 'ECLOSED' }),
      );
    }
    for (const stream of this.streams?.values() ?? []) stream.onConnectionClosed(failure);
    for (const wake of this.streamWaiters.splice(0)) wake();
    this.ended = true;
    for (const controller of [this.incoming?.controller, this.datagramPair?.controller]) {
      try {
        controller?.close();
      } catch {
        // Already closed or errored.
      }
    }
    if (failure) this.context.fail(failure);
    else if (!this.cleanClose) this.context.finish();
  }

  private release(): void {
    if (this.terminated) return;
    this.terminated = true;
    const h = this.handle;
    if (h) {
      h.driver.stop();
      void h.socket.close();
    }
  }

  private sendDatagram(chunk: BufferSource): void {
    this.throwIfClosed();
    const bytes = ArrayBuffer.isView(chunk)
      ? new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      : new Uint8Array(chunk);
    const conn = this.connection;
    if (!conn.sendDatagram(bytes)) {
      const max = conn.maxDatagramPayload();
      throw new SocketError(
        max === 0
          ? 'the peer does not accept DATAGRAM frames (RFC 9221)'
          : `a datagram of ${bytes.length} bytes does not fit (at most ${max})`,
        { code: 'EMSGSIZE' },
      );
    }
    this.wake();
  }

  private throwIfClosed(): void {
    if (this.failure) throw this.failure;
    const state = this.handle?.connection.state;
    if (state !== undefined && state !== 'handshake' && state !== 'established') {
      throw new SocketError('the QUIC connection is closed', { code: 'ERR_SOCKET_CLOSED' });
    }
  }

  private requireHandle(): ClientConnectionHandle {
    if (!this.handle)
      throw new SocketError('the QUIC socket is not open yet', { code: 'ENOTCONN' });
    return this.handle;
  }

  private getDefaultStream(): Promise<StreamSocket> {
    this.defaultStream ??= this.openStream({ bidirectional: true });
    return this.defaultStream;
  }

  /** The default stream's readable, reachable before the stream exists. */
  private proxyReadable(): ReadableStream<Uint8Array> {
    let reader: ReadableStreamDefaultReader<unknown> | undefined;
    const getReader = async () => {
      reader ??= (await this.getDefaultStream()).readable.getReader();
      return reader;
    };
    return new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const { done, value } = await (await getReader()).read();
          if (done) controller.close();
          else controller.enqueue(value as Uint8Array);
        },
        cancel: async (reason) => (await getReader()).cancel(reason),
      },
      { highWaterMark: 0 },
    );
  }

  /** The default stream's writable, usable before the stream exists. */
  private proxyWritable(): WritableStream<BufferSource> {
    let writer: WritableStreamDefaultWriter<unknown> | undefined;
    const getWriter = async () => {
      writer ??= (await this.getDefaultStream()).writable.getWriter();
      return writer;
    };
    return new WritableStream<BufferSource>({
      write: async (chunk) => (await getWriter()).write(chunk),
      close: async () => (await getWriter()).close(),
      abort: async (reason) => (await getWriter()).abort(reason),
    });
  }
}
