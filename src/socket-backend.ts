// The seam between the generic Socket (promises, signal, events, stats) and
// what carries its bytes: UDP today (udp-socket-backend.ts), a QUIC
// connection next. A backend owns the streams and the I/O; the Socket owns
// the lifecycle and tells the backend when to open, update, close or abort.

import type { SocketError } from './errors.js';
import type { SocketInfo, SocketInit, SocketStats } from './socket-init.js';

export interface SocketBackendContext {
  /** Counters the backend increments; the Socket hands out copies. */
  readonly stats: SocketStats;
  /** The socket's signal, aborted when the socket is aborted or fails (created on first call). */
  signal(): AbortSignal;
  /** A fatal error after opening: the socket errors with it and aborts the backend. */
  fail(error: SocketError): void;
  /** The backend has nothing left to do (e.g. the user closed both streams): close cleanly. */
  finish(): void;
}

export interface SocketBackend {
  readonly readable: ReadableStream<unknown>;
  /** May be replaced after a write fails (a rejected write errors a WritableStream). */
  readonly writable: WritableStream<unknown>;
  /** Resolves names, binds, connects; rejects with a SocketError (or the abort reason). */
  open(): Promise<SocketInfo>;
  /** Current addresses, once open. */
  info(): SocketInfo | undefined;
  /** Applies what can change on a live socket; rejects with a TypeError for what cannot. */
  update(update: Record<string, unknown>): Promise<void>;
  /** Graceful: stops writes, lets the one in flight finish, ends the readable, releases the port. */
  close(): Promise<void>;
  /** At once: pending reads and writes reject with `reason`, the port is released. */
  abort(reason: unknown): void;
  /** Brings `context.stats` up to date before the Socket hands out a snapshot. */
  refreshStats?(): void;
}

export type SocketBackendFactory = (
  init: SocketInit,
  context: SocketBackendContext,
) => SocketBackend;
