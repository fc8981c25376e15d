// X.509 certificates (RFC 5280): PEM/DER input, and the parsed view the
// verifier needs. @peculiar/asn1-x509 parses the schema; the exact signed
// bytes (TBSCertificate, SubjectPublicKeyInfo, Names) are cut out of the DER
// with our own reader so signatures are checked over what was really signed.
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  type Name,
  NameConstraints,
} from '@peculiar/asn1-x509';
import { TlsAlert } from './alert.js';
import { DerTag, readDerChildren, readDerElement, readDerWhole } from './asn1-der.js';
import { KeyFormatError, Oid, parsePssParameters } from './asn1-keys.js';
import { decodePem, PemError, pemText } from './asn1-pem.js';
import type { SignatureAlgorithm } from './signature-scheme.js';

/** A peer may send at most this many certificates (RFC 8446 §4.4.2 sets no bound; we do). */
export const MAX_CHAIN_LENGTH = 10;
/** Each certificate at most 64 KiB. */
export const MAX_CERTIFICATE_BYTES = 64 * 1024;

export const ExtensionOid = {
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  nameConstraints: '2.5.29.30',
  extKeyUsage: '2.5.29.37',
} as const;

/** RFC 5280 §4.2.1.3 KeyUsage bit positions. */
export const KeyUsageBit = { digitalSignature: 0, keyCertSign: 5 } as const;

export interface NameConstraintSet {
  dns: string[];
  ip: { address: Uint8Array; mask: Uint8Array }[];
  /** Other name forms (directoryName, email, URI): we cannot evaluate them for server names. */
  other: number;
}

export interface ParsedCertificate {
  readonly der: Uint8Array;
  /** The exact TBSCertificate bytes the issuer signed (RFC 5280 §4.1.1.3). */
  readonly tbs: Uint8Array;
  readonly signatureAlgorithmOid: string;
  /** Undefined when the signature algorithm is not one we verify. */
  readonly signatureAlgorithm: SignatureAlgorithm | undefined;
  readonly signature: Uint8Array;
  readonly spki: Uint8Array;
  readonly issuer: Uint8Array;
  readonly subject: Uint8Array;
  /** Subject common name or the SAN list, for messages only (never for matching). */
  readonly displayName: string;
  /** Issuer common name, for messages only. */
  readonly issuerDisplayName: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly basicConstraints?: { readonly ca: boolean; readonly pathLength?: number };
  /** Bits of KeyUsage when the extension is present. */
  readonly keyUsage?: ReadonlySet<number>;
  readonly extendedKeyUsage?: readonly string[];
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly Uint8Array[];
  readonly permitted?: NameConstraintSet;
  readonly excluded?: NameConstraintSet;
  /** Critical extensions we do not process (RFC 5280 §4.2: such a certificate MUST be rejected). */
  readonly unknownCriticalExtensions: readonly string[];
}

/**
 * The DER certificates in a PEM text (all "CERTIFICATE" blocks, in order;
 * other blocks are ignored). Throws TypeError if there is none or a block is
 * corrupt. Bytes that are not PEM text are taken as one DER certificate.
 */
export function parsePemCertificates(pem: string | Uint8Array): Uint8Array[] {
  if (typeof pem !== 'string' && !(pem instanceof Uint8Array)) {
    throw new TypeError(`certificate: expected a PEM string or bytes, got ${typeof pem}`);
  }
  if (pem instanceof Uint8Array && pem[0] === DerTag.sequence) return [pem];
  let blocks: ReturnType<typeof decodePem>;
  try {
    // A CA bundle (user-supplied, not peer-supplied) may hold a few hundred roots.
    blocks = decodePem(pemText(pem), 4096);
  } catch (error) {
    if (error instanceof PemError) throw new TypeError(`certificate: ${error.message}`);
    throw error;
  }
  const certificates = blocks.filter((b) => b.label === 'CERTIFICATE').map((b) => b.der);
  if (certificates.length === 0) {
    throw new TypeError('certificate: no "-----BEGIN CERTIFICATE-----" block found');
  }
  return certificates;
}

const SIGNATURE_OIDS = new Map<string, SignatureAlgorithm>([
  ['1.2.840.113549.1.1.11', { family: 'rsa-pkcs1', hash: 'sha256' }],
  ['1.2.840.113549.1.1.12', { family: 'rsa-pkcs1', hash: 'sha384' }],
  ['1.2.840.113549.1.1.13', { family: 'rsa-pkcs1', hash: 'sha512' }],
  ['1.2.840.10045.4.3.2', { family: 'ecdsa', hash: 'sha256' }],
  ['1.2.840.10045.4.3.3', { family: 'ecdsa', hash: 'sha384' }],
  ['1.2.840.10045.4.3.4', { family: 'ecdsa', hash: 'sha512' }],
  [Oid.ed25519, { family: 'ed25519', hash: 'sha512' }],
]);

function signatureAlgorithmOf(oid: string, parameters: ArrayBuffer | null | undefined) {
  if (oid !== Oid.rsassaPss) return SIGNATURE_OIDS.get(oid);
  // RFC 4055 §3.1: parameters absent would mean SHA-1, which we do not accept.
  if (!parameters) return undefined;
  try {
    const { hash, saltLength } = parsePssParameters(parameters);
    return { family: 'rsa-pss', hash, saltLength } satisfies SignatureAlgorithm;
  } catch (error) {
    if (error instanceof KeyFormatError) return undefined;
    throw error;
  }
}

function commonName(name: Name): string | undefined {
  for (const rdn of name) {
    for (const attribute of rdn) {
      if (attribute.type === '2.5.4.3') return attribute.value.toString();
    }
  }
  return undefined;
}

function ascii(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

/** RFC 5280 §4.2.1.6 GeneralNames: dNSName [2] and iPAddress [7], the forms a server name can match. */
function parseGeneralNames(der: Uint8Array): { dns: string[]; ip: Uint8Array[]; other: number } {
  const names = readDerWhole(der, DerTag.sequence);
  const dns: string[] = [];
  const ip: Uint8Array[] = [];
  let other = 0;
  for (const name of readDerChildren(names.value)) {
    if (name.tag === 0x82) dns.push(ascii(name.value));
    else if (name.tag === 0x87) ip.push(name.value);
    else other++;
  }
  return { dns, ip, other };
}

function parseKeyUsage(der: Uint8Array): Set<number> {
  const bits = readDerWhole(der, DerTag.bitString).value;
  if (bits.length === 0) throw new Error('empty KeyUsage');
  const usage = new Set<number>();
  for (let i = 0; i < (bits.length - 1) * 8; i++) {
    if (bits[1 + (i >> 3)]! & (0x80 >> (i & 7))) usage.add(i);
  }
  return usage;
}

function parseSubtrees(der: Uint8Array, tag: number): NameConstraintSet | undefined {
  const constraints = readDerWhole(der, DerTag.sequence);
  const subtrees = readDerChildren(constraints.value).find((c) => c.tag === tag);
  if (!subtrees) return undefined;
  const set: NameConstraintSet = { dns: [], ip: [], other: 0 };
  for (const subtree of readDerChildren(subtrees.value)) {
    const base = readDerElement(readDerWhole(subtree.encoded, DerTag.sequence).value);
    if (base.tag === 0x82) set.dns.push(ascii(base.value).toLowerCase());
    else if (base.tag === 0x87 && (base.value.length === 8 || base.value.length === 32)) {
      const half = base.value.length / 2;
      set.ip.push({ address: base.value.subarray(0, half), mask: base.value.subarray(half) });
    } else set.other++;
  }
  return set;
}

type MutableExtensions = {
  -readonly [K in keyof ParsedCertificate]?: ParsedCertificate[K];
};

function parseExtensions(certificate: Certificate, out: MutableExtensions): void {
  const unknownCritical: string[] = [];
  const seen = new Set<string>();
  for (const extension of certificate.tbsCertificate.extensions ?? []) {
    const value = new Uint8Array(extension.extnValue.buffer);
    // RFC 5280 §4.2: "A certificate MUST NOT include more than one instance of a particular extension."
    if (seen.has(extension.extnID)) throw new Error(`duplicate extension ${extension.extnID}`);
    seen.add(extension.extnID);
    switch (extension.extnID) {
      case ExtensionOid.basicConstraints: {
        const bc = AsnConvert.parse(value, BasicConstraints);
        out.basicConstraints =
          bc.pathLenConstraint === undefined
            ? { ca: bc.cA }
            : { ca: bc.cA, pathLength: bc.pathLenConstraint };
        break;
      }
      case ExtensionOid.keyUsage:
        out.keyUsage = parseKeyUsage(value);
        break;
      case ExtensionOid.extKeyUsage:
        out.extendedKeyUsage = [...AsnConvert.parse(value, ExtendedKeyUsage)];
        break;
      case ExtensionOid.subjectAltName: {
        const { dns, ip } = parseGeneralNames(value);
        out.dnsNames = dns;
        out.ipAddresses = ip;
        break;
      }
      case ExtensionOid.nameConstraints: {
        AsnConvert.parse(value, NameConstraints); // schema check
        const permitted = parseSubtrees(value, 0xa0);
        const excluded = parseSubtrees(value, 0xa1);
        if (permitted) out.permitted = permitted;
        if (excluded) out.excluded = excluded;
        break;
      }
      default:
        if (extension.critical) unknownCritical.push(extension.extnID);
    }
  }
  out.unknownCriticalExtensions = unknownCritical;
}

function parseUnchecked(der: Uint8Array): ParsedCertificate {
  // RFC 5280 §4.1: Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }
  const outer = readDerWhole(der, DerTag.sequence);
  const [tbs, , signatureValue] = readDerChildren(outer.value, 3);
  if (!tbs || !signatureValue || tbs.tag !== DerTag.sequence) throw new Error('not a certificate');
  const tbsFields = readDerChildren(tbs.value, 16);
  const offset = tbsFields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT Version DEFAULT v1
  const issuer = tbsFields[offset + 2];
  const subject = tbsFields[offset + 4];
  const spki = tbsFields[offset + 5];
  if (!issuer || !subject || !spki) throw new Error('TBSCertificate is missing fields');

  const certificate = AsnConvert.parse(der as BufferSource, Certificate);
  const outerAlgorithm = certificate.signatureAlgorithm;
  const innerAlgorithm = certificate.tbsCertificate.signature;
  // RFC 5280 §4.1.1.2: signatureAlgorithm "MUST contain the same algorithm identifier as the signature field in the sequence tbsCertificate".
  if (
    outerAlgorithm.algorithm !== innerAlgorithm.algorithm ||
    !sameBytes(outerAlgorithm.parameters, innerAlgorithm.parameters)
  ) {
    throw new Error('signature algorithm differs inside and outside TBSCertificate');
  }
  const parsed: MutableExtensions = { dnsNames: [], ipAddresses: [] };
  parseExtensions(certificate, parsed);
  const validity = certificate.tbsCertificate.validity;
  const cn = commonName(certificate.tbsCertificate.subject);
  const issuerCn = commonName(certificate.tbsCertificate.issuer);
  return {
    ...(parsed as ParsedCertificate),
    der,
    tbs: tbs.encoded,
    signatureAlgorithmOid: outerAlgorithm.algorithm,
    signatureAlgorithm: signatureAlgorithmOf(outerAlgorithm.algorithm, outerAlgorithm.parameters),
    signature: new Uint8Array(certificate.signatureValue),
    spki: spki.encoded,
    issuer: issuer.encoded,
    subject: subject.encoded,
    displayName: cn ? `"${cn}"` : `"${(parsed.dnsNames ?? []).join(', ')}"`,
    issuerDisplayName: issuerCn ? `"${issuerCn}"` : 'an issuer without a common name',
    notBefore: validity.notBefore.getTime().getTime(),
    notAfter: validity.notAfter.getTime().getTime(),
  };
}

function sameBytes(a: ArrayBuffer | null | undefined, b: ArrayBuffer | null | undefined): boolean {
  if (!a || !b) return !a === !b;
  const x = new Uint8Array(a);
  const y = new Uint8Array(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** Parses a DER certificate; anything malformed is TlsAlert bad_certificate. */
/**
 * Parsed certificates, so that one is parsed once (ASN.1 schema parsing was
 * the largest cost of a handshake once signatures went native): by the
 * identity of the DER array (a WeakMap: the leaf parsed for chain building
 * and again for CertificateVerify, trust anchors used by every connection),
 * and by content in a small LRU (the same server's chain arrives as new
 * bytes on every connection). Content keys are the exact bytes, so equal
 * keys mean equal certificates; callers never mutate certificate bytes.
 */
const parsedByDer = new WeakMap<Uint8Array, ParsedCertificate>();
const parsedByContent = new Map<string, ParsedCertificate>();
const CONTENT_CACHE_ENTRIES = 64;

function contentKey(der: Uint8Array): string {
  let key = '';
  for (let i = 0; i < der.length; i += 4096) {
    key += String.fromCharCode.apply(null, der.subarray(i, i + 4096) as unknown as number[]);
  }
  return key;
}

export function parseCertificate(der: Uint8Array): ParsedCertificate {
  if (!(der instanceof Uint8Array))
    throw new TlsAlert('bad_certificate', 'certificate is not bytes');
  const cached = parsedByDer.get(der);
  if (cached !== undefined) return cached;
  const key = der.length <= MAX_CERTIFICATE_BYTES ? contentKey(der) : undefined;
  let parsed = key === undefined ? undefined : parsedByContent.get(key);
  if (parsed === undefined) {
    parsed = parseCertificateUncached(der);
    if (key !== undefined) {
      if (parsedByContent.size >= CONTENT_CACHE_ENTRIES) {
        parsedByContent.delete(parsedByContent.keys().next().value as string);
      }
      parsedByContent.set(key, parsed);
    }
  } else {
    // Least recently used goes first: move this entry to the end.
    parsedByContent.delete(key!);
    parsedByContent.set(key!, parsed);
  }
  parsedByDer.set(der, parsed);
  return parsed;
}

function parseCertificateUncached(der: Uint8Array): ParsedCertificate {
  if (der.length > MAX_CERTIFICATE_BYTES) {
    throw new TlsAlert(
      'bad_certificate',
      `certificate is ${der.length} bytes, more than the ${MAX_CERTIFICATE_BYTES} allowed`,
    );
  }
  try {
    return parseUnchecked(der);
  } catch (error) {
    if (error instanceof TlsAlert) throw error;
    throw new TlsAlert(
      'bad_certificate',
      `certificate cannot be parsed: ${(error as Error).message}`,
    );
  }
}

/**
 * The subject Name DER of a certificate, by a DER walk only (no schema
 * parse); undefined if the bytes are not shaped like a certificate.
 */
export function certificateSubject(der: Uint8Array): Uint8Array | undefined {
  try {
    const outer = readDerWhole(der, DerTag.sequence);
    const tbs = readDerElement(outer.value);
    if (tbs.tag !== DerTag.sequence) return undefined;
    const fields = readDerChildren(tbs.value, 16);
    const offset = fields[0]?.tag === 0xa0 ? 1 : 0;
    const subject = fields[offset + 4];
    return subject?.tag === DerTag.sequence ? subject.encoded : undefined;
  } catch {
    return undefined;
  }
}

/** The DER SubjectPublicKeyInfo of a certificate (TlsAlert bad_certificate if unparsable). */
export function certificateSpki(der: Uint8Array): Uint8Array {
  return parseCertificate(der).spki;
}
