// Opening a client QUIC connection over a UDP stack: resolve the server
// name, bind a local UDP socket of the right family, create the sans-IO
// Connection and its driver. Used by the QUIC Socket and by the interop
// endpoint.
import type { CryptoProvider } from '../../crypto/crypto-provider.js';
import type { KeyLogCallback } from '../../crypto/tls/key-log.js';
import type { SessionTicket } from '../../crypto/tls/session-ticket.js';
import { Connection } from '../../quic/connection/connection.js';
import type { ConnectionEvent } from '../../quic/connection/connection-events.js';
import type { TransportSettings } from '../../quic/connection/connection-options.js';
import type { CongestionControlAlgorithm } from '../../quic/recovery/index.js';
import { ipFamily } from '../address.js';
import { SocketError } from '../errors.js';
import type { RawUdpSocket, UdpStack } from '../udp/udp-stack.js';
import { ConnectionDriver } from './connection-driver.js';
import { secureRandom } from './secure-random.js';

export interface QuicClientOptions {
  host: string;
  port: number;
  /** SNI and certificate name; defaults to `host` (no SNI is sent for IP literals). */
  serverName?: string;
  alpn: readonly string[];
  /** Trust anchors (DER). Without them, and without pins, verification fails (unknown_ca). */
  trustAnchors?: Uint8Array[];
  /** SHA-256 hashes of accepted leaf certificates (WebTransport serverCertificateHashes). */
  pinnedSha256?: Uint8Array[];
  /** Tests only: accept any certificate. */
  dangerouslySkipVerification?: boolean;
  cipherSuites?: readonly number[];
  version?: number;
  firstFlightVersion?: number;
  transport?: Partial<TransportSettings>;
  congestionControl?: CongestionControlAlgorithm;
  cryptoProvider?: CryptoProvider;
  keyLog?: KeyLogCallback;
  /** A ticket from an earlier connection's 'session-ticket' event: resume (RFC 8446 §2.2). */
  sessionTicket?: SessionTicket;
  maxDatagramSize?: number;
  /** Local address to bind; defaults to the wildcard of the server's family. */
  localAddress?: string;
  localPort?: number;
}

export interface ClientConnectionHandle {
  connection: Connection;
  driver: ConnectionDriver;
  socket: RawUdpSocket;
  remoteAddress: string;
}

export async function openClientConnection(
  stack: UdpStack,
  options: QuicClientOptions,
  onEvent: (event: ConnectionEvent) => void,
): Promise<ClientConnectionHandle> {
  const remoteAddress =
    ipFamily(options.host) !== undefined ? options.host : await resolve(stack, options.host);
  const family = ipFamily(remoteAddress);
  let driver: ConnectionDriver | undefined;
  const socket = await stack.bind(
    {
      address: options.localAddress ?? (family === 6 ? '::' : '0.0.0.0'),
      port: options.localPort ?? 0,
      receiveBufferSize: 4 * 1024 * 1024,
      sendBufferSize: 4 * 1024 * 1024,
      sendQueueLimit: 256,
    },
    {
      onMessage: (data, address, port) => driver?.receive(data, { address, port }),
      onDrain: () => driver?.onDrain(),
    },
  );
  const serverName = options.serverName ?? options.host;
  const connection = new Connection(
    {
      role: 'client',
      random: secureRandom,
      currentTimeMs: Date.now(),
      ...(options.version === undefined ? {} : { version: options.version }),
      ...(options.firstFlightVersion === undefined
        ? {}
        : { firstFlightVersion: options.firstFlightVersion }),
      ...(options.cryptoProvider ? { cryptoProvider: options.cryptoProvider } : {}),
      ...(options.transport ? { transport: options.transport } : {}),
      ...(options.congestionControl ? { congestionControl: options.congestionControl } : {}),
      ...(options.maxDatagramSize ? { maxDatagramSize: options.maxDatagramSize } : {}),
      tls: {
        serverName,
        alpn: options.alpn,
        ...(options.cipherSuites ? { cipherSuites: options.cipherSuites } : {}),
        ...(options.keyLog ? { keyLog: options.keyLog } : {}),
        ...(options.sessionTicket ? { sessionTicket: options.sessionTicket } : {}),
        verification: {
          ...(options.trustAnchors ? { trustAnchors: options.trustAnchors } : {}),
          ...(options.pinnedSha256 ? { pinnedSha256: options.pinnedSha256 } : {}),
          ...(options.dangerouslySkipVerification ? { dangerouslySkipVerification: true } : {}),
        },
      },
    },
    stack.clock.now(),
  );
  driver = new ConnectionDriver(
    connection,
    socket,
    { address: remoteAddress, port: options.port },
    stack.clock,
    onEvent,
  );
  driver.service();
  return { connection, driver, socket, remoteAddress };
}

async function resolve(stack: UdpStack, host: string): Promise<string> {
  try {
    const addresses = await stack.lookup(host);
    return addresses[0]!;
  } catch (error) {
    throw new SocketError(`cannot resolve ${host}: ${(error as Error).message}`, {
      code: 'ENOTFOUND',
      cause: error,
    });
  }
}
