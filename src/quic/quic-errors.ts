// Mapping between QUIC error codes and the public SocketError.
import type { ConnectionCloseInfo } from '../../quic/connection/connection-events.js';
import { transportErrorName } from '../../quic/errors.js';
import { SocketError } from '../errors.js';

const MAX_CODE = (1n << 62n) - 1n;

/**
 * The application error code to send for an abort/cancel reason: a number
 * or bigint, or an object with a numeric `code` (e.g. a SocketError);
 * anything else is 0. RFC 9000 §20.2: codes are 62-bit.
 */
export function applicationErrorCode(reason: unknown): bigint {
  const raw =
    typeof reason === 'number' || typeof reason === 'bigint'
      ? reason
      : typeof reason === 'object' && reason !== null
        ? (reason as { code?: unknown }).code
        : undefined;
  if (typeof raw === 'bigint') return raw >= 0n && raw <= MAX_CODE ? raw : 0n;
  if (typeof raw === 'number' && Number.isSafeInteger(raw) && raw >= 0) return BigInt(raw);
  return 0n;
}

/** Validates a user-supplied error code (number or bigint, 0..2^62-1). */
export function checkErrorCode(field: string, value: unknown): bigint {
  const ok =
    (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) ||
    (typeof value === 'bigint' && value >= 0n && value <= MAX_CODE);
  if (!ok) {
    throw new TypeError(
      `${field} must be an integer from 0 to 2^62-1 (number or bigint), got ${String(value)}`,
    );
  }
  return BigInt(value as number | bigint);
}

/** undefined for a clean close (application code 0 or NO_ERROR), else the error to reject with. */
export function closeInfoToError(info: ConnectionCloseInfo): SocketError | undefined {
  const clean = info.code === 0n && (info.initiator === 'local' || info.initiator === 'peer');
  if (clean) return undefined;
  const who =
    info.initiator === 'peer'
      ? 'the peer closed the connection'
      : info.initiator === 'local'
        ? 'the connection failed'
        : info.initiator === 'idle-timeout'
          ? 'the connection timed out'
          : info.initiator === 'stateless-reset'
            ? 'the peer reset the connection'
            : 'the handshake timed out';
  const name = info.application ? `application error ${info.code}` : transportErrorName(info.code);
  return new SocketError(`${who}: ${name}${info.reason ? `: ${info.reason}` : ''}`, {
    code: info.code,
    type: info.application ? 'application' : 'transport',
  });
}
