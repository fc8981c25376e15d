// What a connection tells its driver (src/) through pollEvent().
import type { SessionTicket } from '../../crypto/tls/session-ticket.js';
import type { StreamEvent } from '../streams/types.js';

/** Why a connection ended. `remote`: the peer closed it. */
export interface ConnectionCloseInfo {
  /** Transport error code (RFC 9000 §20.1) or application error code (§20.2). */
  code: bigint;
  application: boolean;
  reason: string;
  frameType?: number;
  /** Who ended it: the peer (CONNECTION_CLOSE or stateless reset), us, or a timeout. */
  initiator: 'peer' | 'local' | 'idle-timeout' | 'stateless-reset' | 'handshake-timeout';
}

export type ConnectionEvent =
  /** RFC 9001 §4.1.1: the handshake is complete: streams and `opened` (confirmation follows). */
  | { type: 'connected' }
  /** Stream events, passed through from the stream layer. */
  | { type: 'stream'; event: StreamEvent }
  | { type: 'datagram'; data: Uint8Array }
  | { type: 'session-ticket'; ticket: SessionTicket }
  /** RFC 9000 §8.1.3: a token for a future connection to the same server. */
  | { type: 'new-token'; token: Uint8Array }
  /** TLS waits on an asynchronous certificate check; call resumeHandshake(now) when it settles. */
  | { type: 'handshake-paused'; settled: Promise<unknown> }
  /** The connection is closing or draining: no more application data either way. */
  | { type: 'closed'; info: ConnectionCloseInfo }
  /** The closing/draining period is over: the connection can be forgotten. */
  | { type: 'terminated' };
