// TLS 1.3 handshake messages (RFC 8446 §4): Handshake framing (type + uint24
// length) and symmetric, bounds-checked codecs for each message body. In QUIC
// there is no record layer (RFC 9001 §4): these bytes travel in CRYPTO frames.
import { TlsAlert } from './alert.js';
import { bytesEqual, TlsReader, TlsWriter } from './codec.js';
import { decodeExtensions, type Extension, encodeExtensions } from './extensions.js';

export const HandshakeType = {
  client_hello: 1,
  server_hello: 2,
  new_session_ticket: 4,
  end_of_early_data: 5,
  encrypted_extensions: 8,
  certificate: 11,
  certificate_request: 13,
  certificate_verify: 15,
  finished: 20,
  key_update: 24,
  message_hash: 254,
} as const;

const HANDSHAKE_NAMES = new Map<number, string>(
  Object.entries(HandshakeType).map(([name, code]) => [code, name]),
);

export function handshakeTypeName(type: number): string {
  return HANDSHAKE_NAMES.get(type) ?? `handshake_type_${type}`;
}

/** RFC 8446 §4: struct { HandshakeType msg_type; uint24 length; body } Handshake. */
export function encodeHandshake(type: number, body: Uint8Array): Uint8Array {
  if (body.length > 0xffffff) {
    throw new RangeError(`handshake message body of ${body.length} bytes exceeds 2^24 - 1`);
  }
  const out = new Uint8Array(4 + body.length);
  out[0] = type;
  out[1] = body.length >> 16;
  out[2] = body.length >> 8;
  out[3] = body.length;
  out.set(body, 4);
  return out;
}

export interface HandshakeMessage {
  readonly type: number;
  readonly body: Uint8Array;
  /** The whole message, header included, as it enters the transcript. */
  readonly raw: Uint8Array;
}

/** Decodes one complete Handshake message (header + body, nothing after). */
export function decodeHandshake(raw: Uint8Array): HandshakeMessage {
  const r = new TlsReader(raw, 'handshake message');
  const type = r.u8();
  const body = r.vector(3);
  r.end();
  return { type, body, raw };
}

// RFC 8446 §4.1.3: the random of a HelloRetryRequest is SHA-256("HelloRetryRequest").
export const HELLO_RETRY_REQUEST_RANDOM = Uint8Array.from([
  0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
  0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
]);

export const LEGACY_VERSION = 0x0303;

export interface ClientHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionId: Uint8Array;
  readonly cipherSuites: readonly number[];
  readonly legacyCompressionMethods: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function encodeClientHello(m: ClientHello): Uint8Array {
  const w = new TlsWriter().u16(m.legacyVersion).bytes(m.random).vector(1, m.legacySessionId);
  w.block(2, (b) => {
    for (const s of m.cipherSuites) b.u16(s);
  });
  w.vector(1, m.legacyCompressionMethods);
  encodeExtensions(w, m.extensions);
  return encodeHandshake(HandshakeType.client_hello, w.finish());
}

export function decodeClientHello(body: Uint8Array): ClientHello {
  const r = new TlsReader(body, 'ClientHello');
  const legacyVersion = r.u16();
  const random = r.bytesN(32);
  const legacySessionId = r.vector(1, 0, 32);
  const suites = r.sub(2, 'cipher_suites', 2);
  if (suites.remaining % 2 !== 0)
    throw new TlsAlert('decode_error', 'ClientHello: odd cipher_suites');
  const cipherSuites: number[] = [];
  while (suites.remaining > 0) cipherSuites.push(suites.u16());
  const legacyCompressionMethods = r.vector(1, 1);
  const extensions = decodeExtensions(r, 'ClientHello');
  r.end();
  return {
    legacyVersion,
    random,
    legacySessionId,
    cipherSuites,
    legacyCompressionMethods,
    extensions,
  };
}

/** ServerHello and HelloRetryRequest share one structure (RFC 8446 §4.1.3, §4.1.4). */
export interface ServerHello {
  readonly legacyVersion: number;
  readonly random: Uint8Array;
  readonly legacySessionIdEcho: Uint8Array;
  readonly cipherSuite: number;
  readonly legacyCompressionMethod: number;
  readonly extensions: readonly Extension[];
}

export function isHelloRetryRequest(m: ServerHello): boolean {
  return bytesEqual(m.random, HELLO_RETRY_REQUEST_RANDOM);
}

export function encodeServerHello(m: ServerHello): Uint8Array {
  const w = new TlsWriter()
    .u16(m.legacyVersion)
    .bytes(m.random)
    .vector(1, m.legacySessionIdEcho)
    .u16(m.cipherSuite)
    .u8(m.legacyCompressionMethod);
  encodeExtensions(w, m.extensions);
  return encodeHandshake(HandshakeType.server_hello, w.finish());
}

export function decodeServerHello(body: Uint8Array): ServerHello {
  const r = new TlsReader(body, 'ServerHello');
  const legacyVersion = r.u16();
  const random = r.bytesN(32);
  const legacySessionIdEcho = r.vector(1, 0, 32);
  const cipherSuite = r.u16();
  const legacyCompressionMethod = r.u8();
  const extensions = decodeExtensions(r, 'ServerHello');
  r.end();
  return {
    legacyVersion,
    random,
    legacySessionIdEcho,
    cipherSuite,
    legacyCompressionMethod,
    extensions,
  };
}

export interface EncryptedExtensions {
  readonly extensions: readonly Extension[];
}

export function encodeEncryptedExtensions(m: EncryptedExtensions): Uint8Array {
  const w = new TlsWriter();
  encodeExtensions(w, m.extensions);
  return encodeHandshake(HandshakeType.encrypted_extensions, w.finish());
}

export function decodeEncryptedExtensions(body: Uint8Array): EncryptedExtensions {
  const r = new TlsReader(body, 'EncryptedExtensions');
  const extensions = decodeExtensions(r, 'EncryptedExtensions');
  r.end();
  return { extensions };
}

export interface CertificateEntry {
  /** DER X.509 certificate (RFC 8446 §4.4.2; raw public keys are not negotiated). */
  readonly data: Uint8Array;
  readonly extensions: readonly Extension[];
}

export interface CertificateMessage {
  readonly context: Uint8Array;
  readonly entries: readonly CertificateEntry[];
}

export function encodeCertificate(m: CertificateMessage): Uint8Array {
  const w = new TlsWriter().vector(1, m.context);
  w.block(3, (list) => {
    for (const e of m.entries) {
      list.vector(3, e.data);
      encodeExtensions(list, e.extensions);
    }
  });
  return encodeHandshake(HandshakeType.certificate, w.finish());
}

export function decodeCertificate(body: Uint8Array): CertificateMessage {
  const r = new TlsReader(body, 'Certificate');
  const context = r.vector(1);
  const list = r.sub(3, 'certificate_list');
  const entries: CertificateEntry[] = [];
  while (list.remaining > 0) {
    const data = list.vector(3, 1);
    entries.push({ data, extensions: decodeExtensions(list, 'CertificateEntry') });
  }
  r.end();
  return { context, entries };
}

export interface CertificateRequest {
  readonly context: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function encodeCertificateRequest(m: CertificateRequest): Uint8Array {
  const w = new TlsWriter().vector(1, m.context);
  encodeExtensions(w, m.extensions);
  return encodeHandshake(HandshakeType.certificate_request, w.finish());
}

export function decodeCertificateRequest(body: Uint8Array): CertificateRequest {
  const r = new TlsReader(body, 'CertificateRequest');
  const context = r.vector(1);
  const extensions = decodeExtensions(r, 'CertificateRequest');
  r.end();
  return { context, extensions };
}

export interface CertificateVerify {
  readonly scheme: number;
  readonly signature: Uint8Array;
}

export function encodeCertificateVerify(m: CertificateVerify): Uint8Array {
  const body = new TlsWriter().u16(m.scheme).vector(2, m.signature).finish();
  return encodeHandshake(HandshakeType.certificate_verify, body);
}

export function decodeCertificateVerify(body: Uint8Array): CertificateVerify {
  const r = new TlsReader(body, 'CertificateVerify');
  const scheme = r.u16();
  const signature = r.vector(2);
  r.end();
  return { scheme, signature };
}

export function encodeFinished(verifyData: Uint8Array): Uint8Array {
  return encodeHandshake(HandshakeType.finished, verifyData);
}

/** Finished is the verify_data alone; its length is the suite's hash length. */
export function decodeFinished(body: Uint8Array, hashLength: number): Uint8Array {
  if (body.length !== hashLength) {
    throw new TlsAlert(
      'decode_error',
      `Finished: verify_data is ${body.length} bytes, expected ${hashLength}`,
    );
  }
  return body;
}

export interface NewSessionTicket {
  readonly lifetime: number;
  readonly ageAdd: number;
  readonly nonce: Uint8Array;
  readonly ticket: Uint8Array;
  readonly extensions: readonly Extension[];
}

export function encodeNewSessionTicket(m: NewSessionTicket): Uint8Array {
  const w = new TlsWriter().u32(m.lifetime).u32(m.ageAdd).vector(1, m.nonce).vector(2, m.ticket);
  encodeExtensions(w, m.extensions);
  return encodeHandshake(HandshakeType.new_session_ticket, w.finish());
}

export function decodeNewSessionTicket(body: Uint8Array): NewSessionTicket {
  const r = new TlsReader(body, 'NewSessionTicket');
  const lifetime = r.u32();
  const ageAdd = r.u32();
  const nonce = r.vector(1);
  const ticket = r.vector(2, 1);
  const extensions = decodeExtensions(r, 'NewSessionTicket');
  r.end();
  return { lifetime, ageAdd, nonce, ticket, extensions };
}

export function encodeEndOfEarlyData(): Uint8Array {
  return encodeHandshake(HandshakeType.end_of_early_data, new Uint8Array(0));
}
