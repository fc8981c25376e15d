// One QUIC stream as a Socket backend: `readable` yields the peer's bytes
// (Uint8Array), `writable` takes BufferSource chunks. Reads are pull-style:
// data leaves the core only when the application asks for it, so
// flow-control credit (MAX_STREAM_DATA) goes back to the peer only as the
// application consumes data (DESIGN.md). Writes wait while the stream's send
// buffer is full. `writable.abort()` sends RESET_STREAM, `readable.cancel()`
// sends STOP_SENDING (RFC 9000 §3.5); close() sends FIN.
import type { Connection } from '../../quic/connection/connection.js';
import { isBidirectional, isLocallyInitiated } from '../../quic/streams/stream-id.js';
import type { StreamEvent } from '../../quic/streams/types.js';
import { SocketError } from '../errors.js';
import type { SocketBackend, SocketBackendContext } from '../socket-backend.js';
import type { SocketInfo } from '../socket-init.js';
import { applicationErrorCode } from './quic-errors.js';

/** Largest chunk handed to the reader at once. */
const READ_CHUNK = 64 * 1024;

export interface StreamHost {
  readonly connection: Connection;
  now(): number;
  /** Run the core soon (data or credit to send). */
  wake(): void;
  info(): SocketInfo;
  /** The connection's error once it has failed or closed, for pending operations. */
  closedError(): SocketError | undefined;
}

type Waiter = { resolve: () => void; reject: (error: unknown) => void };

export class StreamSocketBackend implements SocketBackend {
  readonly readable: ReadableStream<Uint8Array>;
  writable: WritableStream<BufferSource>;
  readonly canRead: boolean;
  readonly canWrite: boolean;
  private readWaiter: Waiter | undefined;
  private writeWaiter: Waiter | undefined;
  private finishWaiter: Waiter | undefined;
  private readEnded = false;
  private writeEnded = false;
  private failure: unknown;

  constructor(
    readonly streamId: number,
    private readonly host: StreamHost,
    private readonly context: SocketBackendContext,
  ) {
    const local = isLocallyInitiated(streamId, host.connection.role);
    const bidi = isBidirectional(streamId);
    this.canRead = bidi || !local;
    this.canWrite = bidi || local;
    this.readable = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.pull(controller),
        cancel: (reason) => this.cancelRead(reason),
      },
      { highWaterMark: 0 },
    );
    this.writable = new WritableStream<BufferSource>({
      write: (chunk) => this.write(chunk),
      close: () => this.finishWrite(),
      abort: (reason) => this.resetWrite(reason),
    });
    if (!this.canRead) {
      this.readEnded = true;
      void this.readable.cancel().catch(() => {});
    }
    if (!this.canWrite) {
      this.writeEnded = true;
      void this.writable.close().catch(() => {});
    }
  }

  open(): Promise<SocketInfo> {
    return Promise.resolve(this.host.info());
  }

  info(): SocketInfo | undefined {
    return this.host.info();
  }

  update(): Promise<void> {
    return Promise.reject(new TypeError('a QUIC stream has nothing to update'));
  }

  /** Graceful: FIN on our side, STOP_SENDING if the peer is still sending. */
  async close(): Promise<void> {
    if (!this.writeEnded) {
      try {
        const writer = this.writable.getWriter();
        await writer.close();
      } catch {
        // Already errored or locked by the application: the stream ends anyway.
      }
    }
    if (!this.readEnded) {
      this.readEnded = true;
      this.host.connection.stopSending(this.streamId, 0, this.host.now());
      this.host.wake();
    }
  }

  abort(reason: unknown): void {
    const code = applicationErrorCode(reason);
    this.failure = reason;
    if (!this.writeEnded) this.host.connection.resetStream(this.streamId, code);
    if (!this.readEnded) this.host.connection.stopSending(this.streamId, code, this.host.now());
    this.writeEnded = true;
    this.readEnded = true;
    this.rejectAll(reason);
    this.host.wake();
  }

  /** Events from the connection for this stream. */
  onEvent(event: StreamEvent): void {
    switch (event.type) {
      case 'readable':
        this.settle('readWaiter');
        return;
      case 'writable':
        this.settle('writeWaiter');
        return;
      case 'finished':
        this.settle('finishWaiter');
        return;
      case 'reset':
        this.settle('readWaiter');
        return;
      case 'stopped': {
        const error = new SocketError(
          `the peer asked to stop sending on stream ${this.streamId} (code ${event.errorCode})`,
          { code: BigInt(event.errorCode), type: 'application' },
        );
        this.writeEnded = true;
        this.writeWaiter?.reject(error);
        this.finishWaiter?.reject(error);
        this.writeWaiter = this.finishWaiter = undefined;
        return;
      }
      case 'closed':
        this.settle('readWaiter');
        this.settle('finishWaiter');
        return;
      default:
        return;
    }
  }

  /** The connection ended: everything pending fails with its error (or ends cleanly). */
  onConnectionClosed(error: SocketError | undefined): void {
    if (error) this.rejectAll(error);
    else {
      this.settle('readWaiter');
      this.settle('writeWaiter');
      this.settle('finishWaiter');
    }
  }

  private async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      const conn = this.host.connection;
      const result = conn.streamRead(this.streamId, READ_CHUNK, this.host.now());
      if (result !== null) {
        if ('resetCode' in result) {
          this.readEnded = true;
          controller.error(
            new SocketError(`the peer reset stream ${this.streamId} (code ${result.resetCode})`, {
              code: BigInt(result.resetCode),
              type: 'application',
            }),
          );
          return;
        }
        this.context.stats.bytesReceived += result.data.length;
        // Reading freed flow-control credit: let the core send MAX_STREAM_DATA.
        this.host.wake();
        if (result.data.length > 0) controller.enqueue(result.data);
        if (result.fin) {
          this.readEnded = true;
          controller.close();
          this.maybeFinish();
        }
        if (result.data.length > 0 || result.fin) return;
      }
      const closed = this.host.closedError();
      if (closed !== undefined || conn.state === 'closed' || conn.state === 'draining') {
        this.readEnded = true;
        if (closed) controller.error(closed);
        else controller.close();
        return;
      }
      await new Promise<void>((resolve, reject) => {
        this.readWaiter = { resolve, reject };
      });
    }
  }

  private async write(chunk: BufferSource): Promise<void> {
    let bytes = toBytes(chunk);
    while (bytes.length > 0) {
      this.throwIfClosed();
      const accepted = this.host.connection.streamWrite(this.streamId, bytes);
      this.context.stats.bytesSent += accepted;
      if (accepted > 0) this.host.wake();
      bytes = bytes.subarray(accepted);
      if (bytes.length > 0) {
        await new Promise<void>((resolve, reject) => {
          this.writeWaiter = { resolve, reject };
        });
      }
    }
  }

  /** FIN, then wait until the peer acknowledged everything (RFC 9000 §3.1 "Data Recvd"). */
  private async finishWrite(): Promise<void> {
    this.throwIfClosed();
    this.writeEnded = true;
    this.host.connection.streamWrite(this.streamId, new Uint8Array(0), true);
    this.host.wake();
    const state = this.host.connection.streams.stream(this.streamId)?.send?.state;
    if (state === undefined || state === 'data-recvd') return this.maybeFinish();
    await new Promise<void>((resolve, reject) => {
      this.finishWaiter = { resolve, reject };
    });
    this.maybeFinish();
  }

  private resetWrite(reason: unknown): void {
    if (this.writeEnded) return;
    this.writeEnded = true;
    this.host.connection.resetStream(this.streamId, applicationErrorCode(reason));
    this.host.wake();
  }

  private cancelRead(reason: unknown): void {
    if (this.readEnded) return;
    this.readEnded = true;
    this.host.connection.stopSending(this.streamId, applicationErrorCode(reason), this.host.now());
    this.host.wake();
    this.maybeFinish();
  }

  /** Both directions are done: the stream Socket closes cleanly. */
  private maybeFinish(): void {
    if (this.readEnded && this.writeEnded && this.failure === undefined) this.context.finish();
  }

  private throwIfClosed(): void {
    const error = this.host.closedError();
    if (error) throw error;
    const state = this.host.connection.state;
    if (state !== 'handshake' && state !== 'established') {
      throw new SocketError('the QUIC connection is closed', { code: 'ERR_SOCKET_CLOSED' });
    }
  }

  private settle(which: 'readWaiter' | 'writeWaiter' | 'finishWaiter'): void {
    const waiter = this[which];
    this[which] = undefined;
    waiter?.resolve();
  }

  private rejectAll(error: unknown): void {
    for (const which of ['readWaiter', 'writeWaiter', 'finishWaiter'] as const) {
      const waiter = this[which];
      this[which] = undefined;
      waiter?.reject(error);
    }
  }
}

function toBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) {
    return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
  throw new TypeError(
    `QUIC stream writes take a BufferSource (ArrayBuffer or ArrayBufferView), got ${typeof chunk}`,
  );
}
