// What the client and server TLS engines share: encryption levels, the
// outputs they queue, per-level reassembly of handshake messages from CRYPTO
// data, the failed state, and the CertificateVerify signed content.
//
// Shape (RFC 9001 §4: TLS hands QUIC handshake bytes per encryption level and
// receives them back; there is no record layer):
//
//   engine.receive(level, bytes)   CRYPTO bytes in, in order, any fragmentation
//   engine.poll()                  queued outputs, oldest first, until undefined
//
// receive() throws a TlsAlert on any failure (the QUIC layer sends
// CRYPTO_ERROR 0x0100 + alert), or a CryptoBufferExceeded when a peer sends more
// than MAX_BUFFERED_HANDSHAKE_BYTES it cannot use (CRYPTO_BUFFER_EXCEEDED).
// After a failure the engine stays failed: every later call throws that same
// error object again and nothing else.
import type { CipherSuiteInfo } from '../cipher-suites.js';
import type { HashName } from '../hkdf.js';
import { TlsAlert } from './alert.js';
import { HandshakeBuffer } from './handshake-buffer.js';
import { type KeyLogCallback, type KeyLogLabel, keyLogLine } from './key-log.js';
import { exportKeyingMaterial } from './key-schedule.js';
import { decodeHandshake, type HandshakeMessage, handshakeTypeName } from './messages.js';
import type { SessionTicket } from './session-ticket.js';

/** QUIC encryption levels (RFC 9001 §4): 'early' is 0-RTT. */
export type EncryptionLevel = 'initial' | 'early' | 'handshake' | 'application';

export type TlsOutput =
  /** Handshake bytes to send in CRYPTO frames at this level. */
  | { readonly kind: 'data'; readonly level: EncryptionLevel; readonly bytes: Uint8Array }
  /** New traffic secrets for a level: install read and/or write keys. */
  | {
      readonly kind: 'secrets';
      readonly level: EncryptionLevel;
      readonly read?: Uint8Array;
      readonly write?: Uint8Array;
      readonly suite: CipherSuiteInfo;
    }
  /** The peer's quic_transport_parameters (opaque to TLS; RFC 9001 §8.2). */
  | { readonly kind: 'transport-parameters'; readonly bytes: Uint8Array }
  | { readonly kind: 'alpn'; readonly protocol: string }
  /** Whether the server accepted 0-RTT (emitted when early data was offered). */
  | { readonly kind: 'early-data'; readonly accepted: boolean }
  /**
   * A custom certificate verifier is running. `settled` never rejects: it
   * resolves to the error that failed the handshake (send its alert), or to
   * undefined, after which poll() has the next outputs.
   */
  | {
      readonly kind: 'waiting-for-certificate-verification';
      readonly settled: Promise<Error | undefined>;
    }
  | { readonly kind: 'complete'; readonly resumed: boolean }
  | { readonly kind: 'session-ticket'; readonly ticket: SessionTicket };

/** Bound on unprocessed handshake bytes per level (a message may not exceed it either). */
export const MAX_BUFFERED_HANDSHAKE_BYTES = 64 * 1024;

/** The peer sent more handshake data than we buffer: QUIC's CRYPTO_BUFFER_EXCEEDED (RFC 9000 §7.5). */
export class CryptoBufferExceeded extends Error {
  constructor(level: EncryptionLevel, bytes: number) {
    super(
      `${bytes} bytes of unprocessed ${level} handshake data exceed ${MAX_BUFFERED_HANDSHAKE_BYTES}`,
    );
    this.name = 'CryptoBufferExceeded';
  }
}

const LEVELS: readonly EncryptionLevel[] = ['initial', 'early', 'handshake', 'application'];

export abstract class HandshakeEngine {
  private readonly outputs: TlsOutput[] = [];
  private readonly pending = new Map<EncryptionLevel, HandshakeBuffer>(
    LEVELS.map((l) => [l, new HandshakeBuffer()]),
  );
  private failure: Error | undefined;
  /** Set while an asynchronous step (certificate verification) runs. */
  private paused = false;
  protected clientRandom: Uint8Array = new Uint8Array(32);
  /** The negotiated cipher suite, once ServerHello is sent or received. */
  protected suite: CipherSuiteInfo | undefined;
  /** The agreed ALPN protocol ('' until EncryptedExtensions). */
  protected alpn = '';
  /** The peer's certificate chain (DER, leaf first), once received. */
  protected peerChain: Uint8Array[] = [];
  /** Set once the master secret is derived, for exportKeyingMaterial(). */
  protected exporter: { hash: HashName; secret: Uint8Array } | undefined;
  /** The level at which the peer's next handshake message may arrive. */
  protected abstract readonly expectedLevel: EncryptionLevel;

  constructor(
    protected currentTimeMs: number,
    private readonly keyLog: KeyLogCallback | undefined,
  ) {}

  /** The agreed ALPN protocol once EncryptedExtensions was sent or received, else undefined. */
  get negotiatedAlpn(): string | undefined {
    return this.alpn === '' ? undefined : this.alpn;
  }

  /** The negotiated cipher suite once ServerHello was sent or received. */
  get cipherSuite(): CipherSuiteInfo | undefined {
    return this.suite;
  }

  /** The error that failed the engine, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** The next queued output, or undefined when there is none. */
  poll(): TlsOutput | undefined {
    return this.outputs.shift();
  }

  /**
   * Handshake bytes received in CRYPTO frames at `level`, in order.
   * currentTimeMs: the wall clock now, when the caller has it (ticket ages).
   */
  receive(level: EncryptionLevel, bytes: Uint8Array, currentTimeMs?: number): void {
    if (this.failure) throw this.failure;
    if (currentTimeMs !== undefined) this.currentTimeMs = currentTimeMs;
    if (!LEVELS.includes(level))
      throw new TypeError(`level must be an encryption level, got ${level}`);
    const buffered = this.pending.get(level)!;
    if (buffered.length + bytes.length > MAX_BUFFERED_HANDSHAKE_BYTES) {
      this.fail(new CryptoBufferExceeded(level, buffered.length + bytes.length));
    }
    buffered.push(bytes);
    this.guard(() => this.processPending());
  }

  private processPending(): void {
    for (const level of LEVELS) {
      while (!this.paused && !this.failure) {
        const message = this.takeMessage(level);
        if (!message) break;
        // RFC 9001 §4.1.3: each handshake message belongs to one encryption level.
        if (level !== this.expectedLevel) {
          throw new TlsAlert(
            'unexpected_message',
            `${handshakeTypeName(message.type)} received at ${level} level, expected ${this.expectedLevel} in state ${this.stateName}`,
          );
        }
        this.handleMessage(message);
      }
    }
  }

  private takeMessage(level: EncryptionLevel): HandshakeMessage | undefined {
    const buffered = this.pending.get(level)!;
    if (buffered.length < 4) return undefined;
    const length = (buffered.byteAt(1) << 16) | (buffered.byteAt(2) << 8) | buffered.byteAt(3);
    // A message that can never fit is refused now rather than buffered up to the limit.
    if (4 + length > MAX_BUFFERED_HANDSHAKE_BYTES) {
      throw new CryptoBufferExceeded(level, 4 + length);
    }
    if (buffered.length < 4 + length) return undefined;
    return decodeHandshake(buffered.take(4 + length));
  }

  /**
   * RFC 8446 §5.1: handshake messages MUST NOT span key changes. Called when
   * the peer moves on from a level: leftover partial bytes there are an error.
   */
  protected requireLevelDrained(level: EncryptionLevel): void {
    if (this.pending.get(level)!.length > 0) {
      throw new TlsAlert('unexpected_message', `partial handshake message left at ${level} level`);
    }
  }

  /** Runs a step; any failure fails the engine for good and is rethrown. */
  protected guard(step: () => void): void {
    try {
      step();
    } catch (e) {
      this.fail(e);
    }
  }

  private fail(e: unknown): never {
    this.failure =
      e instanceof TlsAlert || e instanceof CryptoBufferExceeded
        ? e
        : new TlsAlert('internal_error', `TLS engine bug: ${(e as Error)?.message ?? String(e)}`);
    this.outputs.length = 0;
    throw this.failure;
  }

  /**
   * Waits for an asynchronous check: no message is processed until it settles.
   * `onResult` runs with the outcome (an error, or undefined), then buffered
   * messages are processed. The promise handed out never rejects (no unhandled
   * rejection if nobody awaits it): it resolves to the error that failed the
   * engine, or undefined when the handshake may go on (poll for new outputs).
   */
  protected pauseFor(work: Promise<unknown>, onResult: (error: unknown) => void): void {
    this.paused = true;
    const settled = work
      .then(
        () => undefined,
        (e: unknown) => e ?? new Error('certificate verification failed'),
      )
      .then((error): Error | undefined => {
        if (this.failure) return this.failure;
        this.paused = false;
        try {
          this.guard(() => {
            onResult(error);
            this.processPending();
          });
        } catch {
          // guard() recorded the failure; it is the resolved value below.
        }
        return this.failure;
      });
    this.emit({ kind: 'waiting-for-certificate-verification', settled });
  }

  /**
   * RFC 8446 §7.5 keying material exporter, available once the handshake
   * reached the master secret (TypeError before, or for a bad length).
   */
  exportKeyingMaterial(label: string, context: Uint8Array, length: number): Uint8Array {
    if (!this.exporter)
      throw new TypeError('exportKeyingMaterial: the handshake has not completed');
    if (!Number.isInteger(length) || length < 1 || length > 255 * 32) {
      throw new TypeError(`exportKeyingMaterial: length must be 1..8160, got ${length}`);
    }
    return exportKeyingMaterial(this.exporter.hash, this.exporter.secret, label, context, length);
  }

  protected emit(output: TlsOutput): void {
    this.outputs.push(output);
  }

  protected logSecret(label: KeyLogLabel, secret: Uint8Array): void {
    if (this.keyLog) this.keyLog(keyLogLine(label, this.clientRandom, secret));
  }

  abstract get stateName(): string;
  protected abstract handleMessage(message: HandshakeMessage): void;
}

/** RFC 8446 §4.4.3: 64 spaces, the context string, a zero byte, then the transcript hash. */
export function certificateVerifyContent(
  side: 'server' | 'client',
  transcriptHash: Uint8Array,
): Uint8Array {
  const context = new TextEncoder().encode(`TLS 1.3, ${side} CertificateVerify`);
  const out = new Uint8Array(64 + context.length + 1 + transcriptHash.length);
  out.fill(0x20, 0, 64);
  out.set(context, 64);
  out.set(transcriptHash, 64 + context.length + 1);
  return out;
}

/** RFC 6066 §3: literal IPv4 and IPv6 addresses are not permitted in server_name. */
export function isIpLiteral(name: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(':');
}

export function unexpected(type: number, state: string): TlsAlert {
  return new TlsAlert(
    'unexpected_message',
    `${handshakeTypeName(type)} not expected in state ${state}`,
  );
}
