// quic-socket/testing: the simulated network, for testing protocols on
// virtual time with reproducible loss, delay, corruption and rebinding.

export { SeededRandom } from './udp/seeded-random.js';
export {
  type DropReason,
  type LinkOptions,
  SimulatedLink,
  type SimulatedPacket,
} from './udp/simulated-link.js';
export {
  type RunOptions,
  SimulatedHost,
  type SimulatedLinkPair,
  SimulatedNetwork,
  type SimulatedNetworkOptions,
  type TraceEvent,
  type TraceEventKind,
} from './udp/simulated-network.js';
export { VirtualClock } from './virtual-clock.js';
