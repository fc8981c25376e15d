// The options of `new Socket({ type: 'quic', ... })` and their checks: a
// TypeError at once naming the field and the value.

import type { CipherSuiteName } from '../../crypto/cipher-suites.js';
import type { CryptoProviderChoice } from '../../crypto/providers.js';
import { parsePemCertificates } from '../../crypto/tls/certificate.js';
import type { TransportSettings } from '../../quic/connection/connection-options.js';
import type { CongestionControlAlgorithm } from '../../quic/recovery/index.js';
import { checkLocal, checkObject, checkRemote, type EndpointInit, fail } from '../socket-init.js';
import { checkAlpn, checkSuites, checkTransport } from './quic-options.js';

export interface QuicTlsInit {
  /** SNI and the name checked against the certificate; defaults to remote.address. */
  serverName?: string;
  /** Application protocols offered, preferred first (RFC 9001 §8.1: required). */
  alpn: string[];
  /** Trust anchors (PEM text or DER), replacing the system store. */
  ca?: string | Uint8Array | (string | Uint8Array)[];
  /** Accept a leaf certificate by SHA-256 hash, like WebTransport's serverCertificateHashes. */
  serverCertificateHashes?: { algorithm: 'sha-256'; value: BufferSource }[];
  /** Tests only: accept any certificate. Loudly named on purpose. */
  dangerouslySkipVerification?: boolean;
  /** Restrict the cipher suites offered. */
  cipherSuites?: CipherSuiteName[];
  /** NSS key log lines (SSLKEYLOGFILE format), for Wireshark. */
  keyLog?: (line: string) => void;
}

export interface QuicTransportInit {
  congestionControl?: CongestionControlAlgorithm;
  cryptoProvider?: CryptoProviderChoice;
  /** 1 (default) or 2 (RFC 9369). */
  version?: 1 | 2;
  /** ms; 0 disables. Default 30,000. */
  maxIdleTimeout?: number;
  /** Largest UDP payload sent. Default 1200 (always safe); 1452 suits most Ethernet paths. */
  maxDatagramSize?: number;
  initialMaxData?: number;
  initialMaxStreamData?: number;
  maxIncomingStreams?: number;
  maxIncomingUnidirectionalStreams?: number;
}

export interface CheckedQuicInit {
  remote: EndpointInit;
  local: EndpointInit | undefined;
  serverName: string;
  alpn: string[];
  trustAnchors: Uint8Array[] | undefined;
  pinnedSha256: Uint8Array[] | undefined;
  dangerouslySkipVerification: boolean;
  cipherSuites: number[] | undefined;
  keyLog: ((line: string) => void) | undefined;
  congestionControl: CongestionControlAlgorithm | undefined;
  cryptoProvider: CryptoProviderChoice;
  version: number;
  maxDatagramSize: number | undefined;
  transport: Partial<TransportSettings>;
}

function checkBool(field: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') fail(field, 'a boolean', value);
  return value === true;
}

function checkCa(value: unknown): Uint8Array[] {
  const list = Array.isArray(value) ? value : [value];
  const out: Uint8Array[] = [];
  for (const [i, item] of list.entries()) {
    if (typeof item === 'string') {
      const certs = parsePemCertificates(item);
      if (certs.length === 0) fail(`init.tls.ca[${i}]`, 'PEM with at least one CERTIFICATE', item);
      out.push(...certs);
    } else if (item instanceof Uint8Array) out.push(item);
    else fail(`init.tls.ca[${i}]`, 'PEM text or DER bytes', item);
  }
  return out;
}

function checkHashes(value: unknown): Uint8Array[] {
  if (!Array.isArray(value)) fail('init.tls.serverCertificateHashes', 'an array', value);
  return value.map((entry, i) => {
    const field = `init.tls.serverCertificateHashes[${i}]`;
    const hash = checkObject(field, entry);
    if (hash.algorithm !== 'sha-256') fail(`${field}.algorithm`, "'sha-256'", hash.algorithm);
    const v = hash.value;
    const bytes =
      v instanceof ArrayBuffer
        ? new Uint8Array(v)
        : ArrayBuffer.isView(v)
          ? new Uint8Array(v.buffer, v.byteOffset, v.byteLength)
          : undefined;
    if (bytes === undefined || bytes.length !== 32) fail(`${field}.value`, '32 bytes', v);
    return bytes.slice();
  });
}

function checkTls(init: Record<string, unknown>, remote: EndpointInit) {
  const tls = checkObject('init.tls', init.tls ?? {});
  const serverName = tls.serverName ?? remote.address;
  if (typeof serverName !== 'string' || serverName.length === 0) {
    fail('init.tls.serverName', 'a host name', serverName);
  }
  if (tls.keyLog !== undefined && typeof tls.keyLog !== 'function') {
    fail('init.tls.keyLog', 'a function', tls.keyLog);
  }
  return {
    serverName: serverName as string,
    alpn: checkAlpn(tls.alpn),
    trustAnchors: tls.ca === undefined ? undefined : checkCa(tls.ca),
    pinnedSha256:
      tls.serverCertificateHashes === undefined
        ? undefined
        : checkHashes(tls.serverCertificateHashes),
    dangerouslySkipVerification: checkBool(
      'init.tls.dangerouslySkipVerification',
      tls.dangerouslySkipVerification,
    ),
    cipherSuites: tls.cipherSuites === undefined ? undefined : checkSuites(tls.cipherSuites),
    keyLog: tls.keyLog as ((line: string) => void) | undefined,
  };
}

export function checkQuicInit(value: Record<string, unknown>): CheckedQuicInit {
  if (value.remote === undefined) fail('init.remote', 'the server address and port', undefined);
  const remote = checkRemote('init.remote', value.remote);
  const local = value.local === undefined ? undefined : checkLocal('init.local', value.local);
  return { remote, local, ...checkTls(value, remote), ...checkTransport(value) };
}
