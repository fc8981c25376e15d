// QUIC transport error codes (RFC 9000 §20.1) and the one error type the core
// throws for protocol violations. The packet loop turns a TransportError into
// CONNECTION_CLOSE (type 0x1c); nothing else may escape the core.

export const TransportErrorCode = {
  NO_ERROR: 0x00,
  INTERNAL_ERROR: 0x01,
  CONNECTION_REFUSED: 0x02,
  FLOW_CONTROL_ERROR: 0x03,
  STREAM_LIMIT_ERROR: 0x04,
  STREAM_STATE_ERROR: 0x05,
  FINAL_SIZE_ERROR: 0x06,
  FRAME_ENCODING_ERROR: 0x07,
  TRANSPORT_PARAMETER_ERROR: 0x08,
  CONNECTION_ID_LIMIT_ERROR: 0x09,
  PROTOCOL_VIOLATION: 0x0a,
  INVALID_TOKEN: 0x0b,
  APPLICATION_ERROR: 0x0c,
  CRYPTO_BUFFER_EXCEEDED: 0x0d,
  KEY_UPDATE_ERROR: 0x0e,
  AEAD_LIMIT_REACHED: 0x0f,
  NO_VIABLE_PATH: 0x10,
  /** RFC 9000 §20.1: 0x0100-0x01ff, CRYPTO_ERROR: the low byte is the TLS alert. */
  CRYPTO_ERROR_BASE: 0x0100,
} as const;

const NAMES = new Map<number, string>(
  Object.entries(TransportErrorCode)
    .filter(([name]) => name !== 'CRYPTO_ERROR_BASE')
    .map(([name, code]) => [code, name]),
);

export function transportErrorName(code: number | bigint): string {
  const n = Number(code);
  if (n >= 0x100 && n <= 0x1ff) return `CRYPTO_ERROR(alert ${n - 0x100})`;
  return NAMES.get(n) ?? `0x${n.toString(16)}`;
}

/**
 * A protocol violation detected by the core. `frameType` is the frame that
 * triggered it, when there is one (RFC 9000 §19.19 carries it on the wire).
 */
export class TransportError extends Error {
  readonly code: number;
  readonly frameType: number | undefined;
  readonly reason: string;

  constructor(code: number, reason: string, frameType?: number) {
    super(`${transportErrorName(code)}: ${reason}`);
    this.name = 'TransportError';
    this.code = code;
    this.reason = reason;
    this.frameType = frameType;
  }
}
