import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TlsAlert } from '../../../crypto/tls/alert.js';
import { toHex } from '../../../crypto/tls/codec.js';
import {
  decodeAlpn,
  decodeCookie,
  decodeKeyShareClient,
  decodeKeyShareHelloRetry,
  decodeKeyShareServer,
  decodeMaxEarlyDataSize,
  decodeNamedGroupList,
  decodeOfferedPsks,
  decodePskKeyExchangeModes,
  decodeServerName,
  decodeSignatureSchemeList,
  decodeSupportedVersionsClient,
  decodeSupportedVersionsServer,
  ExtensionType,
  encodeAlpn,
  encodeKeyShareClient,
  encodeOfferedPsks,
  encodeServerName,
  findExtension,
} from '../../../crypto/tls/extensions.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeClientHello,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeHandshake,
  decodeNewSessionTicket,
  decodeServerHello,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeClientHello,
  encodeEncryptedExtensions,
  encodeEndOfEarlyData,
  encodeFinished,
  encodeNewSessionTicket,
  encodeServerHello,
  HandshakeType,
  isHelloRetryRequest,
} from '../../../crypto/tls/messages.js';
import { traceField } from './trace-fixtures.js';

const SIMPLE = 'Simple 1-RTT Handshake';
const RESUMED = 'Resumed 0-RTT Handshake';

function roundTrip(raw: Uint8Array): Uint8Array {
  const m = decodeHandshake(raw);
  switch (m.type) {
    case HandshakeType.client_hello:
      return encodeClientHello(decodeClientHello(m.body));
    case HandshakeType.server_hello:
      return encodeServerHello(decodeServerHello(m.body));
    case HandshakeType.encrypted_extensions:
      return encodeEncryptedExtensions(decodeEncryptedExtensions(m.body));
    case HandshakeType.certificate:
      return encodeCertificate(decodeCertificate(m.body));
    case HandshakeType.certificate_request:
      return encodeCertificateRequest(decodeCertificateRequest(m.body));
    case HandshakeType.certificate_verify:
      return encodeCertificateVerify(decodeCertificateVerify(m.body));
    case HandshakeType.finished:
      return encodeFinished(decodeFinished(m.body, 32));
    case HandshakeType.new_session_ticket:
      return encodeNewSessionTicket(decodeNewSessionTicket(m.body));
    default:
      throw new Error(`no codec for ${m.type}`);
  }
}

const TRACE_MESSAGES: [string, Uint8Array][] = [
  ['simple ClientHello', traceField(SIMPLE, 'client', 'construct a ClientHello', 'ClientHello')],
  ['simple ServerHello', traceField(SIMPLE, 'server', 'construct a ServerHello', 'ServerHello')],
  [
    'simple EncryptedExtensions',
    traceField(SIMPLE, 'server', 'construct a EncryptedExtensions', 'EncryptedExtensions'),
  ],
  ['simple Certificate', traceField(SIMPLE, 'server', 'construct a Certificate ', 'Certificate')],
  [
    'simple CertificateVerify',
    traceField(SIMPLE, 'server', 'construct a CertificateVerify', 'CertificateVerify'),
  ],
  ['simple server Finished', traceField(SIMPLE, 'server', 'construct a Finished', 'Finished')],
  ['simple client Finished', traceField(SIMPLE, 'client', 'construct a Finished', 'Finished')],
  [
    'simple NewSessionTicket',
    traceField(SIMPLE, 'server', 'construct a NewSessionTicket', 'NewSessionTicket'),
  ],
  ['resumed ClientHello', traceField(RESUMED, 'client', 'send handshake record', 'payload')],
  ['resumed ServerHello', traceField(RESUMED, 'server', 'construct a ServerHello', 'ServerHello')],
  [
    'resumed EncryptedExtensions',
    traceField(RESUMED, 'server', 'construct a EncryptedExtensions', 'EncryptedExtensions'),
  ],
  ['resumed server Finished', traceField(RESUMED, 'server', 'construct a Finished', 'Finished')],
  ['resumed client Finished', traceField(RESUMED, 'client', 'construct a Finished', 'Finished')],
  [
    'HRR ClientHello1',
    traceField('HelloRetryRequest', 'client', 'construct a ClientHello', 'ClientHello', 0),
  ],
  [
    'HRR HelloRetryRequest',
    traceField('HelloRetryRequest', 'server', 'construct a ServerHello', 'ServerHello', 0),
  ],
  [
    'HRR ClientHello2',
    traceField('HelloRetryRequest', 'client', 'construct a ClientHello', 'ClientHello', 1),
  ],
  [
    'HRR ServerHello',
    traceField('HelloRetryRequest', 'server', 'construct a ServerHello', 'ServerHello', 1),
  ],
];

function expectDecodeAlert(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(TlsAlert);
    expect(['decode_error', 'illegal_parameter']).toContain((e as TlsAlert).alertName);
    return;
  }
  throw new Error('expected a decode alert');
}

describe('handshake messages: RFC 8448 traces', () => {
  for (const [name, raw] of TRACE_MESSAGES) {
    it(`${name} decodes and re-encodes byte for byte`, () => {
      expect(toHex(roundTrip(raw))).toBe(toHex(raw));
    });

    it(`${name}: every truncated prefix fails with a decode error`, () => {
      for (let n = 0; n < raw.length; n++) expectDecodeAlert(() => roundTrip(raw.subarray(0, n)));
    });
  }

  it('reads the typed extensions of the simple ClientHello', () => {
    const raw = traceField(SIMPLE, 'client', 'construct a ClientHello', 'ClientHello');
    const ch = decodeClientHello(decodeHandshake(raw).body);
    expect(ch.cipherSuites).toEqual([0x1301, 0x1303, 0x1302]);
    const ext = (t: number) => findExtension(ch.extensions, t)!;
    expect(decodeServerName(ext(ExtensionType.server_name))).toBe('server');
    expect(decodeNamedGroupList(ext(ExtensionType.supported_groups))).toEqual([
      0x1d, 0x17, 0x18, 0x19, 0x100, 0x101, 0x102, 0x103, 0x104,
    ]);
    expect(decodeSupportedVersionsClient(ext(ExtensionType.supported_versions))).toEqual([0x0304]);
    expect(decodePskKeyExchangeModes(ext(ExtensionType.psk_key_exchange_modes))).toEqual([1]);
    expect(decodeSignatureSchemeList(ext(ExtensionType.signature_algorithms))).toContain(0x0804);
    const shares = decodeKeyShareClient(ext(ExtensionType.key_share));
    expect(shares).toHaveLength(1);
    expect(shares[0]!.group).toBe(0x1d);
    expect(toHex(encodeKeyShareClient(shares))).toBe(toHex(ext(ExtensionType.key_share)));
    expect(toHex(encodeServerName('server'))).toBe(toHex(ext(ExtensionType.server_name)));
    // Unknown extensions (renegotiation_info, session_ticket, record_size_limit) are kept in order.
    expect(ch.extensions.map((e) => e.type)).toEqual([0, 0xff01, 10, 35, 51, 43, 13, 45, 28]);
  });

  it('reads the ServerHello, the resumed pre_shared_key and the ticket early_data', () => {
    const sh = decodeServerHello(
      decodeHandshake(traceField(SIMPLE, 'server', 'construct a ServerHello', 'ServerHello')).body,
    );
    expect(isHelloRetryRequest(sh)).toBe(false);
    expect(sh.cipherSuite).toBe(0x1301);
    expect(decodeSupportedVersionsServer(findExtension(sh.extensions, 43)!)).toBe(0x0304);
    expect(decodeKeyShareServer(findExtension(sh.extensions, 51)!).group).toBe(0x1d);

    const ch = decodeClientHello(
      decodeHandshake(traceField(RESUMED, 'client', 'send handshake record', 'payload')).body,
    );
    const psk = findExtension(ch.extensions, ExtensionType.pre_shared_key)!;
    const offer = decodeOfferedPsks(psk);
    expect(offer.identities).toHaveLength(1);
    expect(offer.binders[0]).toHaveLength(32);
    expect(toHex(encodeOfferedPsks(offer))).toBe(toHex(psk));
    // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension in the ClientHello.
    expect(ch.extensions.at(-1)!.type).toBe(ExtensionType.pre_shared_key);

    const nst = decodeNewSessionTicket(
      decodeHandshake(
        traceField(SIMPLE, 'server', 'construct a NewSessionTicket', 'NewSessionTicket'),
      ).body,
    );
    expect(nst.lifetime).toBe(30);
    expect(decodeMaxEarlyDataSize(findExtension(nst.extensions, ExtensionType.early_data)!)).toBe(
      1024,
    );
  });

  it('EndOfEarlyData (TLS over TCP only; QUIC never sends it) encodes as in the trace', () => {
    const raw = traceField(RESUMED, 'client', 'construct a EndOfEarlyData', 'EndOfEarlyData');
    expect(toHex(encodeEndOfEarlyData())).toBe(toHex(raw));
    expect(decodeHandshake(raw).type).toBe(HandshakeType.end_of_early_data);
  });

  it('recognises the HelloRetryRequest and its cookie and selected group', () => {
    const raw = traceField(
      'HelloRetryRequest',
      'server',
      'construct a ServerHello',
      'ServerHello',
      0,
    );
    const hrr = decodeServerHello(decodeHandshake(raw).body);
    expect(isHelloRetryRequest(hrr)).toBe(true);
    expect(decodeKeyShareHelloRetry(findExtension(hrr.extensions, ExtensionType.key_share)!)).toBe(
      0x17,
    );
    expect(
      decodeCookie(findExtension(hrr.extensions, ExtensionType.cookie)!).length,
    ).toBeGreaterThan(0);
  });

  it('rejects duplicate extensions with illegal_parameter', () => {
    const raw = traceField(
      SIMPLE,
      'server',
      'construct a EncryptedExtensions',
      'EncryptedExtensions',
    );
    const ee = decodeEncryptedExtensions(decodeHandshake(raw).body);
    const dup = encodeEncryptedExtensions({ extensions: [...ee.extensions, ee.extensions[0]!] });
    expect(() => decodeEncryptedExtensions(decodeHandshake(dup).body)).toThrow(/illegal_parameter/);
  });

  it('ALPN round trip and empty protocol names refused', () => {
    expect(decodeAlpn(encodeAlpn(['h3', 'hq-interop']))).toEqual(['h3', 'hq-interop']);
    expectDecodeAlert(() => decodeAlpn(Uint8Array.from([0, 1, 0])));
  });
});

describe('handshake messages: property tests', () => {
  const decoders: [string, (b: Uint8Array) => unknown][] = [
    ['handshake', decodeHandshake],
    ['ClientHello', decodeClientHello],
    ['ServerHello', decodeServerHello],
    ['EncryptedExtensions', decodeEncryptedExtensions],
    ['Certificate', decodeCertificate],
    ['CertificateRequest', decodeCertificateRequest],
    ['CertificateVerify', decodeCertificateVerify],
    ['NewSessionTicket', decodeNewSessionTicket],
    ['server_name', decodeServerName],
    ['alpn', decodeAlpn],
    ['key_share', decodeKeyShareClient],
    ['pre_shared_key', decodeOfferedPsks],
    ['supported_groups', decodeNamedGroupList],
    ['psk_key_exchange_modes', decodePskKeyExchangeModes],
  ];
  for (const [name, decode] of decoders) {
    it(`${name}: arbitrary bytes decode or fail with a decode alert only`, () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
          try {
            decode(bytes);
          } catch (e) {
            return (
              e instanceof TlsAlert && ['decode_error', 'illegal_parameter'].includes(e.alertName)
            );
          }
          return true;
        }),
        { numRuns: 500 },
      );
    });
  }

  it('ClientHello: mutations of a real ClientHello fail only with decode alerts, or round trip', () => {
    const raw = traceField(SIMPLE, 'client', 'construct a ClientHello', 'ClientHello');
    fc.assert(
      fc.property(
        fc.integer({ min: 4, max: raw.length - 1 }),
        fc.integer({ min: 0, max: 255 }),
        (at, value) => {
          const mutated = raw.slice();
          mutated[at] = value;
          try {
            const re = roundTrip(mutated);
            return toHex(re) === toHex(mutated);
          } catch (e) {
            return e instanceof TlsAlert;
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});
