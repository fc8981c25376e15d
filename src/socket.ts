// The Socket of the design: WHATWG streams plus `opened`/`ready`, `closed`,
// `signal`, `abort()`, `close()`, `update()`, `stats`, `info`, and 'open',
// 'close' and 'error' events. This file is the part every socket type
// shares; the bytes are carried by a backend (socket-backend.ts) chosen by
// `init.type`.

import { SocketError, toSocketError } from './errors.js';
import type { QuicSocketApi } from './quic/quic-socket-backend.js';
import type {
  SocketBackend,
  SocketBackendContext,
  SocketBackendFactory,
} from './socket-backend.js';
import {
  checkInit,
  checkObject,
  type SocketInfo,
  type SocketInit,
  type SocketStats,
  type SocketWriteChunk,
  type UDPMessage,
} from './socket-init.js';
import { createUdpBackend } from './udp-socket-backend.js';

/** The 'error' event: `error` is why the socket failed. */
export class SocketErrorEvent extends Event {
  readonly error: unknown;
  constructor(error: unknown) {
    super('error');
    this.error = error;
  }
}

/** The events a Socket dispatches. */
export interface SocketEventMap {
  open: Event;
  close: Event;
  error: SocketErrorEvent;
}

type State = 'opening' | 'open' | 'closing' | 'closed';

const backends = new Map<SocketInit['type'], SocketBackendFactory>([['udp', createUdpBackend]]);

/**
 * Installs the backend that carries sockets of `type` (the QUIC layer
 * registers 'quic' here). Not part of the public API.
 */
export function registerSocketBackend(
  type: SocketInit['type'],
  factory: SocketBackendFactory,
): void {
  backends.set(type, factory);
}

function backendFactory(type: SocketInit['type']): SocketBackendFactory {
  const factory = backends.get(type);
  if (factory === undefined) throw new Error(`Socket type '${type}' is not implemented yet`);
  return factory;
}

function ignore(): void {}

export class Socket extends EventTarget {
  /** Resolves with the socket's addresses once it is usable; rejects if it never becomes so. */
  readonly opened: Promise<SocketInfo>;
  /** Resolves on a clean close; rejects with the error or abort reason otherwise. */
  readonly closed: Promise<void>;
  #backend: SocketBackend;
  /** Created when first asked for (most sockets never are) or on abort. */
  #controller: AbortController | undefined;
  #stats: SocketStats = {
    datagramsSent: 0,
    bytesSent: 0,
    datagramsReceived: 0,
    bytesReceived: 0,
    datagramsDropped: 0,
    sendErrors: 0,
  };
  #state: State = 'opening';
  #info: SocketInfo | undefined;
  #resolveClosed!: () => void;
  #rejectClosed!: (reason: unknown) => void;
  #closing: Promise<void> | undefined;
  /** Aborted when the socket ends, to drop the listener on `init.signal` (only with one). */
  #listeners: AbortController | undefined;

  constructor(init: SocketInit) {
    super();
    const checked = checkInit(init);
    // Plain function members: an accessor in an object literal costs every
    // instance its own hidden class.
    const context: SocketBackendContext = {
      stats: this.#stats,
      signal: () => this.signal,
      fail: (error) => this.#fail(error),
      finish: () => void this.close(),
    };
    this.#backend = backendFactory(checked.type)(checked, context);
    this.closed = new Promise<void>((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    });
    // Handled here so an unobserved failure is not an unhandled rejection;
    // callers awaiting them still see the rejection.
    this.closed.catch(ignore);
    this.opened = this.#open();
    this.opened.catch(ignore);
    const signal = checked.signal;
    if (signal !== undefined) {
      if (signal.aborted) this.abort(signal.reason);
      else {
        this.#listeners = new AbortController();
        signal.addEventListener('abort', () => this.abort(signal.reason), {
          once: true,
          signal: this.#listeners.signal,
        });
      }
    }
  }

  override addEventListener<K extends keyof SocketEventMap>(
    type: K,
    listener: ((this: Socket, event: SocketEventMap[K]) => void) | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener, options);
  }

  /** The same promise as `opened`. */
  get ready(): Promise<SocketInfo> {
    return this.opened;
  }

  /** Received datagrams with their source, in both UDP modes. */
  get readable(): ReadableStream<UDPMessage> {
    return this.#backend.readable as ReadableStream<UDPMessage>;
  }

  /**
   * Connected mode takes a BufferSource (or `{ data }`), bound mode a
   * UDPMessageInit. A write that fails (too large, unreachable, malformed)
   * rejects and, as WHATWG streams do, errors this stream; the socket then
   * hands out a fresh `writable`, so it stays usable.
   */
  get writable(): WritableStream<SocketWriteChunk> {
    return this.#backend.writable as WritableStream<SocketWriteChunk>;
  }

  /**
   * QUIC: opens a stream (bidirectional unless `{ bidirectional: false }`),
   * itself a Socket; waits while the peer's stream limit is reached.
   */
  openStream(options?: { bidirectional?: boolean }): Promise<Socket> {
    return this.#quic('openStream').openStream(options) as Promise<Socket>;
  }

  /** QUIC: the streams the peer opens, each a Socket. */
  get incomingStreams(): ReadableStream<Socket> {
    return this.#quic('incomingStreams').incomingStreams as ReadableStream<Socket>;
  }

  /** QUIC: unreliable datagrams (RFC 9221). */
  get datagrams(): {
    readable: ReadableStream<Uint8Array>;
    writable: WritableStream<BufferSource>;
  } {
    return this.#quic('datagrams').datagrams;
  }

  #quic(member: string): QuicSocketApi {
    const backend = this.#backend as Partial<QuicSocketApi>;
    if (typeof backend.openStream !== 'function') {
      throw new TypeError(`Socket ${member} exists only on QUIC connection sockets`);
    }
    return backend as QuicSocketApi;
  }

  /** Aborted (with the reason or error) when the socket is aborted or fails. */
  get signal(): AbortSignal {
    this.#controller ??= new AbortController();
    return this.#controller.signal;
  }

  /** A snapshot of the counters. */
  get stats(): SocketStats {
    this.#backend.refreshStats?.();
    return { ...this.#stats };
  }

  /** The addresses in use; undefined until `opened` has resolved. */
  get info(): SocketInfo | undefined {
    return this.#info === undefined ? undefined : { ...this.#info };
  }

  async #open(): Promise<SocketInfo> {
    try {
      const info = await this.#backend.open();
      if (this.#state === 'closed' || this.#state === 'closing') {
        throw (
          this.#controller?.signal.reason ??
          new SocketError('socket closed while opening', { code: 'ECLOSED' })
        );
      }
      this.#state = 'open';
      this.#info = info;
      this.dispatchEvent(new Event('open'));
      return { ...info };
    } catch (error) {
      if (this.#state === 'closed')
        throw this.#controller?.signal.aborted ? this.#controller.signal.reason : error;
      if (this.#state === 'closing') throw error; // close() during open: closed resolves
      const failure =
        error instanceof SocketError || error instanceof TypeError
          ? error
          : toSocketError(error, 'open failed');
      this.#fail(failure);
      throw failure;
    }
  }

  /**
   * Changes what can change on a live socket (UDP: `remote` in connected
   * mode, queue and buffer sizes). Rejects with a TypeError for anything else.
   */
  async update(update: Partial<SocketInit>): Promise<void> {
    const fields = checkObject('update', update);
    if (this.#state === 'closed' || this.#state === 'closing') {
      throw new SocketError('cannot update a closed socket', { code: 'ERR_SOCKET_CLOSED' });
    }
    await this.#backend.update(fields);
    const info = this.#backend.info();
    if (info !== undefined && this.#state === 'open') this.#info = info;
  }

  /** Closes cleanly: writes stop, the readable ends, `closed` resolves. Safe to call again. */
  close(): Promise<void> {
    if (this.#state === 'closed') return this.closed.catch(ignore);
    this.#closing ??= (async () => {
      this.#state = 'closing';
      try {
        await this.#backend.close();
      } finally {
        this.#finish();
      }
    })();
    return this.#closing.catch(ignore);
  }

  /** Tears down at once: `signal` aborts with `reason`, pending reads and writes reject, `closed` rejects. */
  abort(reason?: unknown): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#listeners?.abort();
    const canonical = this.#abortSignal(reason);
    this.#backend.abort(canonical);
    this.#rejectClosed(canonical);
    this.dispatchEvent(new Event('close'));
  }

  #fail(error: SocketError | TypeError): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#listeners?.abort();
    this.#abortSignal(error);
    this.#backend.abort(error);
    this.#rejectClosed(error);
    this.dispatchEvent(new SocketErrorEvent(error));
    this.dispatchEvent(new Event('close'));
  }

  #finish(): void {
    if (this.#state === 'closed') return;
    this.#state = 'closed';
    this.#listeners?.abort();
    this.#resolveClosed();
    this.dispatchEvent(new Event('close'));
  }

  /** Aborts `signal` with `reason`; returns the reason as the signal holds it (an AbortError for undefined). */
  #abortSignal(reason: unknown): unknown {
    this.#controller ??= new AbortController();
    this.#controller.abort(reason);
    return this.#controller.signal.reason;
  }
}
