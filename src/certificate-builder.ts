// Builds and signs X.509 v3 certificates (RFC 5280 §4.1) with a SigningKey:
// for the development certificate generator and for test chains. It lives in
// src/ (not crypto/): it is a development tool, and it turns timestamps into
// Date objects for the ASN.1 encoder.
// Synchronous and deterministic (serial numbers and salts from `random`).
import { RsaSaPssParams } from '@peculiar/asn1-rsa';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  Name,
  RelativeDistinguishedName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';
import { DerTag, encodeDer } from '../crypto/tls/asn1-der.js';
import { Oid } from '../crypto/tls/asn1-keys.js';
import { ExtensionOid } from '../crypto/tls/certificate.js';
import { parseIpv4, parseIpv6 } from '../crypto/tls/certificate-hostname.js';
import type { SigningKey } from '../crypto/tls/private-key.js';
import { SignatureScheme, signatureAlgorithm } from '../crypto/tls/signature-scheme.js';

export type KeyUsageName =
  | 'digitalSignature'
  | 'nonRepudiation'
  | 'keyEncipherment'
  | 'dataEncipherment'
  | 'keyAgreement'
  | 'keyCertSign'
  | 'cRLSign';

const KEY_USAGE_BITS: Record<KeyUsageName, number> = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
};

export const ExtendedKeyUsageOid = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  codeSigning: '1.3.6.1.5.5.7.3.3',
} as const;

export interface CertificateTemplate {
  /** Subject common name (also used as the issuer name when self-signed). */
  readonly commonName: string;
  readonly notBefore: number;
  readonly notAfter: number;
  /** The subject's public key, DER SubjectPublicKeyInfo. */
  readonly subjectSpki: Uint8Array;
  /** subjectAltName entries: DNS names and IP literals. */
  readonly names?: readonly string[];
  /** basicConstraints: present and critical when given. */
  readonly ca?: boolean;
  readonly pathLength?: number;
  readonly keyUsage?: readonly KeyUsageName[];
  /** EKU OIDs (see ExtendedKeyUsageOid). */
  readonly extendedKeyUsage?: readonly string[];
  /** nameConstraints dNSName subtrees (RFC 5280 §4.2.1.10). */
  readonly permittedDnsNames?: readonly string[];
  readonly excludedDnsNames?: readonly string[];
  /** Any other extension, e.g. an unknown critical one for tests. */
  readonly extraExtensions?: readonly { oid: string; critical: boolean; value: Uint8Array }[];
  /**
   * Scheme the issuer signs with; by default ecdsa_secp256r1_sha256,
   * ecdsa_secp384r1_sha384, ed25519 or rsa_pkcs1_sha256 by key type.
   * rsa_pss_rsae_* produces RSASSA-PSS (RFC 4055) signatures.
   */
  readonly signatureScheme?: number;
}

export interface CertificateIssuer {
  /** The issuer's subject Name (DER); absent for a self-signed certificate. */
  readonly subject?: Uint8Array;
  readonly key: SigningKey;
}

const SIGNATURE_OIDS: Record<number, string> = {
  [SignatureScheme.ecdsa_secp256r1_sha256]: '1.2.840.10045.4.3.2',
  [SignatureScheme.ecdsa_secp384r1_sha384]: '1.2.840.10045.4.3.3',
  [SignatureScheme.ed25519]: Oid.ed25519,
  [SignatureScheme.rsa_pkcs1_sha256]: '1.2.840.113549.1.1.11',
  [SignatureScheme.rsa_pkcs1_sha384]: '1.2.840.113549.1.1.12',
  [SignatureScheme.rsa_pkcs1_sha512]: '1.2.840.113549.1.1.13',
};

const DEFAULT_SCHEME: Record<SigningKey['keyType'], number> = {
  'ec-p256': SignatureScheme.ecdsa_secp256r1_sha256,
  'ec-p384': SignatureScheme.ecdsa_secp384r1_sha384,
  ed25519: SignatureScheme.ed25519,
  rsa: SignatureScheme.rsa_pkcs1_sha256,
};

const HASH_OIDS = { sha256: Oid.sha256, sha384: Oid.sha384, sha512: Oid.sha512 } as const;

function signatureAlgorithmIdentifier(scheme: number): AlgorithmIdentifier {
  const algorithm = signatureAlgorithm(scheme);
  if (algorithm?.family === 'rsa-pss') {
    // RFC 4055 §3.1: hash, MGF1 with the same hash, salt length = digest length.
    const hash = new AlgorithmIdentifier({
      algorithm: HASH_OIDS[algorithm.hash],
      parameters: null,
    });
    const params = new RsaSaPssParams({
      hashAlgorithm: hash,
      maskGenAlgorithm: new AlgorithmIdentifier({
        algorithm: Oid.mgf1,
        parameters: AsnConvert.serialize(hash),
      }),
      saltLength: algorithm.saltLength!,
    });
    return new AlgorithmIdentifier({
      algorithm: Oid.rsassaPss,
      parameters: AsnConvert.serialize(params),
    });
  }
  const oid = SIGNATURE_OIDS[scheme];
  if (!oid)
    throw new TypeError(`signatureScheme: 0x${scheme.toString(16)} cannot sign certificates`);
  // RFC 4055 §5: PKCS#1 v1.5 identifiers carry NULL parameters; RFC 5758 §3.2 / RFC 8410 §3: ECDSA and Ed25519 none.
  return algorithm?.family === 'rsa-pkcs1'
    ? new AlgorithmIdentifier({ algorithm: oid, parameters: null })
    : new AlgorithmIdentifier({ algorithm: oid });
}

function nameFromCommonName(commonName: string): Name {
  const attribute = new AttributeTypeAndValue({
    type: '2.5.4.3',
    value: new AttributeValue({ utf8String: commonName }),
  });
  return new Name([new RelativeDistinguishedName([attribute])]);
}

function ascii(text: string): Uint8Array {
  if (/[^\x20-\x7e]/.test(text))
    throw new TypeError(`names: ${JSON.stringify(text)} is not ASCII (use A-labels)`);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

/** GeneralNames with dNSName [2] and iPAddress [7] entries (RFC 5280 §4.2.1.6). */
function encodeSubjectAltNames(names: readonly string[]): Uint8Array {
  const entries = names.map((name) => {
    const unbracketed = name.replace(/^\[(.*)\]$/, '$1');
    const ip = parseIpv4(unbracketed) ?? parseIpv6(unbracketed);
    return ip ? encodeDer(0x87, ip) : encodeDer(0x82, ascii(name));
  });
  return encodeDer(DerTag.sequence, ...entries);
}

/** KeyUsage as a DER named BIT STRING: trailing zero bits removed (X.690 §11.2.2). */
function encodeKeyUsage(usages: readonly KeyUsageName[]): Uint8Array {
  const bits = usages.map((u) => KEY_USAGE_BITS[u]);
  if (bits.length === 0) return encodeDer(DerTag.bitString, Uint8Array.of(0));
  const highest = Math.max(...bits);
  const bytes = new Uint8Array(Math.floor(highest / 8) + 1);
  for (const bit of bits) bytes[bit >> 3]! |= 0x80 >> (bit & 7);
  return encodeDer(DerTag.bitString, Uint8Array.of(7 - (highest % 8)), bytes);
}

function encodeNameConstraints(
  permitted: readonly string[],
  excluded: readonly string[],
): Uint8Array {
  const subtrees = (tag: number, names: readonly string[]) =>
    names.length === 0
      ? new Uint8Array(0)
      : encodeDer(tag, ...names.map((n) => encodeDer(DerTag.sequence, encodeDer(0x82, ascii(n)))));
  return encodeDer(DerTag.sequence, subtrees(0xa0, permitted), subtrees(0xa1, excluded));
}

function extension(oid: string, critical: boolean, value: Uint8Array | ArrayBuffer): Extension {
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(value) });
}

function buildExtensions(template: CertificateTemplate): Extension[] {
  const extensions: Extension[] = [];
  if (template.ca !== undefined) {
    const bc = new BasicConstraints({ cA: template.ca });
    if (template.pathLength !== undefined) bc.pathLenConstraint = template.pathLength;
    extensions.push(extension(ExtensionOid.basicConstraints, true, AsnConvert.serialize(bc)));
  }
  if (template.keyUsage) {
    extensions.push(extension(ExtensionOid.keyUsage, true, encodeKeyUsage(template.keyUsage)));
  }
  if (template.extendedKeyUsage) {
    const eku = new ExtendedKeyUsage([...template.extendedKeyUsage]);
    extensions.push(extension(ExtensionOid.extKeyUsage, false, AsnConvert.serialize(eku)));
  }
  if (template.names && template.names.length > 0) {
    extensions.push(
      extension(ExtensionOid.subjectAltName, false, encodeSubjectAltNames(template.names)),
    );
  }
  if (template.permittedDnsNames || template.excludedDnsNames) {
    const value = encodeNameConstraints(
      template.permittedDnsNames ?? [],
      template.excludedDnsNames ?? [],
    );
    extensions.push(extension(ExtensionOid.nameConstraints, true, value));
  }
  for (const extra of template.extraExtensions ?? []) {
    extensions.push(extension(extra.oid, extra.critical, extra.value));
  }
  return extensions;
}

/** A positive serial number of 16 random bytes (RFC 5280 §4.1.2.2: at most 20 octets). */
function serialNumber(random: (n: number) => Uint8Array): ArrayBuffer {
  const serial = random(16).slice();
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial.buffer;
}

/** Builds the certificate and signs it with the issuer's key; returns DER. */
export function buildCertificate(
  template: CertificateTemplate,
  issuer: CertificateIssuer,
  random: (n: number) => Uint8Array,
): Uint8Array {
  const scheme = template.signatureScheme ?? DEFAULT_SCHEME[issuer.key.keyType];
  const algorithm = signatureAlgorithmIdentifier(scheme);
  const subject = nameFromCommonName(template.commonName);
  const extensions = buildExtensions(template);
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serialNumber(random),
    signature: algorithm,
    issuer: issuer.subject ? AsnConvert.parse(issuer.subject as BufferSource, Name) : subject,
    validity: new Validity({
      notBefore: new Date(template.notBefore),
      notAfter: new Date(template.notAfter),
    }),
    subject,
    subjectPublicKeyInfo: AsnConvert.parse(
      template.subjectSpki as BufferSource,
      SubjectPublicKeyInfo,
    ),
  });
  if (extensions.length > 0) tbs.extensions = new Extensions(extensions);
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature = issuer.key.sign(scheme, tbsDer, random);
  return encodeDer(
    DerTag.sequence,
    tbsDer,
    new Uint8Array(AsnConvert.serialize(algorithm)),
    encodeDer(DerTag.bitString, Uint8Array.of(0), signature),
  );
}
