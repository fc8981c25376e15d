// Public surface of the recovery layer (RFC 9002 and RFC 9000 §13.2) for the
// connection: loss recovery, congestion control, pacing, ACK generation.

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
