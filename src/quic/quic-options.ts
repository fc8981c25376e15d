// Option checks shared by the QUIC client Socket (quic-init.ts) and the
// SocketServer (server-init.ts): a TypeError at once naming the field and
// the value.
import { CipherSuite } from '../../crypto/cipher-suites.js';
import type { CryptoProviderChoice } from '../../crypto/providers.js';
import type { TransportSettings } from '../../quic/connection/connection-options.js';
import type { CongestionControlAlgorithm } from '../../quic/recovery/index.js';
import { QUIC_V1, QUIC_V2 } from '../../quic/version.js';
import { checkObject, fail } from '../socket-init.js';

export function checkInteger(field: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(field, `an integer from ${min} to ${max}`, value);
  }
  return value;
}

export function checkAlpn(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail('init.tls.alpn', 'a non-empty array of protocol names (RFC 9001 §8.1)', value);
  }
  for (const [i, p] of value.entries()) {
    if (typeof p !== 'string' || p.length === 0 || p.length > 255) {
      fail(`init.tls.alpn[${i}]`, 'a protocol name of 1 to 255 characters', p);
    }
  }
  return [...value] as string[];
}

export function checkSuites(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) {
    fail('init.tls.cipherSuites', 'a non-empty array of TLS 1.3 suite names', value);
  }
  return value.map((name, i) => {
    const code = (CipherSuite as Record<string, number>)[name as string];
    if (code === undefined)
      fail(`init.tls.cipherSuites[${i}]`, Object.keys(CipherSuite).join(' | '), name);
    return code;
  });
}

/** `init.quic`: congestion control, crypto provider, version, datagram size, transport parameters. */
export function checkTransport(init: Record<string, unknown>) {
  const q = checkObject('init.quic', init.quic ?? {});
  const cc = q.congestionControl;
  if (cc !== undefined && cc !== 'cubic' && cc !== 'newreno') {
    fail('init.quic.congestionControl', "'cubic' or 'newreno'", cc);
  }
  const provider = q.cryptoProvider ?? 'auto';
  if (provider !== 'auto' && provider !== 'pure' && provider !== 'node') {
    fail('init.quic.cryptoProvider', "'auto', 'pure' or 'node'", provider);
  }
  if (q.version !== undefined && q.version !== 1 && q.version !== 2) {
    fail('init.quic.version', '1 or 2', q.version);
  }
  const transport: Partial<TransportSettings> = {};
  if (q.maxIdleTimeout !== undefined) {
    transport.maxIdleTimeout = checkInteger(
      'init.quic.maxIdleTimeout',
      q.maxIdleTimeout,
      0,
      2 ** 31,
    );
  }
  if (q.initialMaxData !== undefined) {
    transport.initialMaxData = checkInteger(
      'init.quic.initialMaxData',
      q.initialMaxData,
      0,
      2 ** 40,
    );
  }
  if (q.initialMaxStreamData !== undefined) {
    const v = checkInteger('init.quic.initialMaxStreamData', q.initialMaxStreamData, 0, 2 ** 40);
    transport.initialMaxStreamDataBidiLocal = v;
    transport.initialMaxStreamDataBidiRemote = v;
    transport.initialMaxStreamDataUni = v;
  }
  if (q.maxIncomingStreams !== undefined) {
    transport.initialMaxStreamsBidi = checkInteger(
      'init.quic.maxIncomingStreams',
      q.maxIncomingStreams,
      0,
      2 ** 20,
    );
  }
  if (q.maxIncomingUnidirectionalStreams !== undefined) {
    transport.initialMaxStreamsUni = checkInteger(
      'init.quic.maxIncomingUnidirectionalStreams',
      q.maxIncomingUnidirectionalStreams,
      0,
      2 ** 20,
    );
  }
  return {
    congestionControl: cc as CongestionControlAlgorithm | undefined,
    cryptoProvider: provider as CryptoProviderChoice,
    version: q.version === 2 ? QUIC_V2 : QUIC_V1,
    maxDatagramSize:
      q.maxDatagramSize === undefined
        ? undefined
        : checkInteger('init.quic.maxDatagramSize', q.maxDatagramSize, 1200, 65527),
    transport,
  };
}
