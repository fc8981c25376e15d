// Public surface of the recovery layer (RFC 9002 and RFC 9000 §13.2) for the
// connection: loss recovery, congestion control, pacing, ACK generation.
// Everything is synchronous and deterministic: `now` is monotonic ms (may be
// fractional), randomness is injected, values are plain (packet numbers as
// numbers, sizes in bytes, ACK ranges as [smallest, largest] descending).
//
// How a connection uses it:
//
// Sending side, one LossRecovery<Payload> per connection (Payload = whatever
// must be re-sent if the packet is lost, e.g. the list of retransmittable
// frames, plus the Largest Acknowledged of any ACK frame it carried):
//   pn = recovery.nextPacketNumber(space)               // may skip a number
//   in-flight packets: recovery.canSend(size) and recovery.nextSendTime(now, size) <= now
//   recovery.onPacketSent(now, { space, packetNumber: pn, size, ackEliciting, inFlight, payload })
//   on an ACK frame: { acked, lost } = recovery.onAckReceived(now, space,
//       { ranges, ackDelay: decodeAckDelay(field, peerAckDelayExponent), ecnCe })
//     - throws TransportError (PROTOCOL_VIOLATION for a skipped/unsent pn,
//       FRAME_ENCODING_ERROR for malformed ranges) before changing anything
//     - acked: notify streams; for each acked payload that carried an ACK
//       frame, received[space].onAckOfAck(thatLargest)
//     - lost: re-queue the payloads' frames
//   timer: recovery.lossDetectionTimer; when due, recovery.onLossDetectionTimeout(now):
//     'loss' -> re-queue lost payloads; 'probe' -> send one or two ack-eliciting
//     packets in `space` (new data, else old data, else PING), bypassing canSend;
//     'anti-deadlock' -> client sends a Handshake packet, or a padded Initial.
//   events: setHandshakeKeysAvailable(now) (client), discardSpace(now, Initial |
//     Handshake) when those keys are dropped (RFC 9001 §4.9), setHandshakeConfirmed(now),
//     setPeerMaxAckDelay(now, ms) from transport parameters, setAmplificationBlocked(now, b)
//     (server, RFC 9000 §8.1), onRetry(now) (client, re-send the returned payloads).
//
// Receiving side, one ReceivedPacketTracker per space:
//   drop the packet if received.isDuplicate(pn); else process it and call
//   received.onPacketReceived(now, pn, ackEliciting, ecn)
//   an ACK is due at received.ackDeadline (<= now: send now); any packet sent
//   may also piggyback received.buildAck(now) when hasUnreportedPackets; after
//   sending it, received.onAckSent().
//
// The connection's next timeout is the minimum of recovery.lossDetectionTimer,
// each space's ackDeadline, and (when it has data and window) the pacing time.

export { decodeAckDelay, encodeAckDelay, MAX_ACK_DELAY_EXPONENT } from './ack-delay.js';
export type {
  CongestionController,
  CongestionOptions,
  CongestionPacket,
  RttView,
} from './congestion/congestion-controller.js';
export { WindowCongestionController } from './congestion/congestion-controller.js';
export { Cubic, type CubicOptions } from './congestion/cubic.js';
export { NewReno } from './congestion/new-reno.js';
export * from './constants.js';
export {
  type AckOutcome,
  type CongestionControlAlgorithm,
  LossRecovery,
  type LossRecoveryOptions,
  type OutgoingPacket,
  type ReceivedAck,
  type RecoveryMetrics,
  type RecoveryStats,
  type TimeoutOutcome,
} from './loss-recovery.js';
export { Pacer, type PacerOptions } from './pacer.js';
export {
  PACKET_NUMBER_SPACES,
  PacketNumberSpace,
  packetNumberSpaceName,
} from './packet-number-space.js';
export {
  type AckDescription,
  type EcnCodepoint,
  type EcnCounts,
  type ReceivedPacketsOptions,
  ReceivedPacketTracker,
} from './received-packets.js';
export { RttEstimator, type RttSampleOptions } from './rtt-estimator.js';
export { type AckRange, type SentPacket, SentPacketTracker } from './sent-packets.js';
