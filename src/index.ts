// quic-socket: the public API.

export {
  canonicalAddress,
  ipFamily,
  MAX_UDP_PAYLOAD_IPV4,
  MAX_UDP_PAYLOAD_IPV6,
} from './address.js';
export { type Clock, realClock, type TimerHandle } from './clock.js';
export { SocketError, type SocketErrorOptions, type SocketErrorType } from './errors.js';
export { Socket, SocketErrorEvent } from './socket.js';
export type {
  SocketAddressInit,
  SocketInfo,
  SocketInit,
  SocketOptions,
  SocketStats,
  SocketType,
  SocketUpdate,
} from './socket-init.js';
export { NodeUdpStack, nodeUdpStack } from './udp/node-dgram.js';
export type {
  RawUdpSocket,
  SendCallback,
  UdpBindOptions,
  UdpHandler,
  UdpStack,
} from './udp/udp-stack.js';
export type { UDPMessage, UDPMessageInit } from './udp-socket-backend.js';
