// The one error type the public API rejects with. UDP and I/O failures are
// 'transport' errors carrying the OS error code (e.g. 'EADDRINUSE'); QUIC
// connection errors will carry the 62-bit code from CONNECTION_CLOSE
// (RFC 9000 §19.19), 'transport' for frame type 0x1c and 'application' for 0x1d.

export type SocketErrorType = 'transport' | 'application';

export interface SocketErrorOptions {
  /** OS error name ('ENOTFOUND', 'EMSGSIZE', ...) or QUIC error code. */
  code: number | bigint | string;
  /** Defaults to 'transport'. */
  type?: SocketErrorType;
  cause?: unknown;
}

export class SocketError extends Error {
  readonly code: number | bigint | string;
  readonly type: SocketErrorType;

  constructor(message: string, options: SocketErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'SocketError';
    this.code = options.code;
    this.type = options.type ?? 'transport';
  }
}

/** Wraps any thrown value as a SocketError, keeping its `code` when it has one. */
export function toSocketError(error: unknown, context: string): SocketError {
  if (error instanceof SocketError) return error;
  const code = errorCode(error) ?? 'EIO';
  const detail = error instanceof Error ? error.message : String(error);
  return new SocketError(`${context}: ${detail}`, { code, cause: error });
}

function errorCode(error: unknown): string | number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' || typeof code === 'number' ? code : undefined;
}
