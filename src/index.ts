// quic-socket: the public API.

import './quic/register-quic.js';

export {
  canonicalAddress,
  ipFamily,
  MAX_UDP_PAYLOAD_IPV4,
  MAX_UDP_PAYLOAD_IPV6,
} from './address.js';
export { type Clock, realClock, type TimerHandle } from './clock.js';
export { SocketError, type SocketErrorOptions, type SocketErrorType } from './errors.js';
export {
  type CertificateChainOptions,
  type CertificateKeyType,
  type GeneratedCertificate,
  type GeneratedCertificateChain,
  generateCertificateChain,
  generateSelfSignedCertificate,
  type SelfSignedCertificateOptions,
} from './self-signed-certificate.js';
export {
  ServerConnectEvent,
  SocketServer,
  SocketServerErrorEvent,
  type SocketServerInfo,
  type SocketServerInit,
  type SocketServerStats,
} from './server.js';
export { Socket, SocketErrorEvent, type SocketEventMap } from './socket.js';
export type {
  DatagramData,
  SocketAddressInit,
  SocketInfo,
  SocketInit,
  SocketOptions,
  SocketStats,
  SocketType,
  SocketUpdate,
  SocketWriteChunk,
  UDPMessage,
  UDPMessageInit,
} from './socket-init.js';
export { NodeUdpStack, nodeUdpStack } from './udp/node-dgram.js';
export type {
  RawUdpSocket,
  SendCallback,
  UdpBindOptions,
  UdpHandler,
  UdpStack,
} from './udp/udp-stack.js';
