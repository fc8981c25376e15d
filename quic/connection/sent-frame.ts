// What a sent packet carried, as far as recovery cares: when a packet is
// acknowledged or declared lost, each record tells the connection which piece
// of state to update or re-queue (RFC 9000 §13.3: information is sent again
// in new frames, never by retransmitting packets).
import type { EncryptionLevel } from '../../crypto/tls/handshake-common.js';
import type { StreamControlFrame } from '../streams/types.js';

export type SentFrame =
  | { kind: 'stream'; streamId: number; offset: number; length: number; fin: boolean }
  | { kind: 'crypto'; level: EncryptionLevel; offset: number; length: number }
  | { kind: 'stream-control'; frame: StreamControlFrame }
  /** An ACK we sent: once it is acknowledged, older ranges need not be reported again. */
  | { kind: 'ack'; largest: number }
  | { kind: 'new-connection-id'; sequence: number }
  | { kind: 'retire-connection-id'; sequence: number }
  | { kind: 'handshake-done' }
  | { kind: 'new-token'; token: Uint8Array }
  /** PING, PATH_*, DATAGRAM, CONNECTION_CLOSE: nothing to re-queue. */
  | { kind: 'none' };

export type SentPayload = SentFrame[];
