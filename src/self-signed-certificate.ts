// Development certificates: a self-signed certificate and key for a local
// QUIC server, and a root -> intermediate(s) -> leaf chain for tests. Lives in
// src/ because it uses WebCrypto key generation and ambient randomness; the
// certificate itself is built and signed by crypto/tls/certificate-builder.ts.
import { sha256 } from '@noble/hashes/sha2.js';
import { encodePem } from '../crypto/tls/asn1-pem.js';
import { parseCertificate } from '../crypto/tls/certificate.js';
import { parseServerIdentity } from '../crypto/tls/certificate-hostname.js';
import { parsePrivateKeyPem, type SigningKey } from '../crypto/tls/private-key.js';
import {
  buildCertificate,
  type CertificateTemplate,
  ExtendedKeyUsageOid,
} from './certificate-builder.js';

export type CertificateKeyType = 'ec-p256' | 'ec-p384' | 'rsa' | 'ed25519';

export interface SelfSignedCertificateOptions {
  /** DNS names and IP literals for subjectAltName; default ['localhost', '127.0.0.1', '::1']. */
  names?: string[];
  /** Default 'ec-p256' (what WebTransport serverCertificateHashes requires). */
  keyType?: CertificateKeyType;
  /**
   * Default 14: WebTransport's serverCertificateHashes only accepts
   * certificates valid for at most two weeks.
   */
  validityDays?: number;
}

export interface GeneratedCertificate {
  /** The certificate (for a chain: leaf first, then intermediates) as PEM. */
  certificatePem: string;
  /** PKCS#8 "PRIVATE KEY" PEM of the leaf key. */
  privateKeyPem: string;
  /** The leaf certificate, DER. */
  certificateDer: Uint8Array;
  /** SHA-256 of certificateDer: for pinnedSha256 / serverCertificateHashes. */
  sha256: Uint8Array;
}

export interface CertificateChainOptions extends SelfSignedCertificateOptions {
  /** Key type of the root and intermediates; default: keyType. */
  caKeyType?: CertificateKeyType;
  /** Number of intermediate CAs between root and leaf, 0 to 3; default 1. */
  intermediates?: number;
}

export interface GeneratedCertificateChain extends GeneratedCertificate {
  /** Leaf first, then intermediates (what a server sends); the root is not included. */
  certificateChainDer: Uint8Array[];
  /** The root CA, to pass as a client's `ca` / trust anchor. */
  rootCertificatePem: string;
  rootCertificateDer: Uint8Array;
}

const DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'];
const DAY_MS = 86_400_000;
// Backdate a little so a peer whose clock is slightly behind accepts the certificate.
const BACKDATE_MS = 60_000;

const KEY_ALGORITHMS: Record<
  CertificateKeyType,
  RsaHashedKeyGenParams | EcKeyGenParams | Algorithm
> = {
  'ec-p256': { name: 'ECDSA', namedCurve: 'P-256' } as EcKeyGenParams,
  'ec-p384': { name: 'ECDSA', namedCurve: 'P-384' } as EcKeyGenParams,
  ed25519: { name: 'Ed25519' },
  rsa: {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 2048,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  } as RsaHashedKeyGenParams,
};

function webCrypto(): Crypto {
  const crypto = globalThis.crypto;
  if (!crypto?.subtle)
    throw new Error('generating certificates needs WebCrypto (globalThis.crypto.subtle)');
  return crypto;
}

function random(n: number): Uint8Array {
  return webCrypto().getRandomValues(new Uint8Array(n));
}

async function generateKey(keyType: CertificateKeyType): Promise<{ key: SigningKey; pem: string }> {
  const pair = (await webCrypto().subtle.generateKey(KEY_ALGORITHMS[keyType], true, [
    'sign',
    'verify',
  ])) as CryptoKeyPair;
  const der = new Uint8Array(await webCrypto().subtle.exportKey('pkcs8', pair.privateKey));
  return { key: parsePrivateKeyPem(der), pem: encodePem('PRIVATE KEY', der) };
}

function validateKeyType(field: string, value: unknown): CertificateKeyType {
  if (typeof value === 'string' && Object.hasOwn(KEY_ALGORITHMS, value))
    return value as CertificateKeyType;
  throw new TypeError(
    `${field}: expected 'ec-p256', 'ec-p384', 'rsa' or 'ed25519', got ${JSON.stringify(value)}`,
  );
}

function validateNames(names: unknown): string[] {
  if (!Array.isArray(names) || names.length === 0) {
    throw new TypeError(
      `names: expected a non-empty array of DNS names and IP addresses, got ${JSON.stringify(names)}`,
    );
  }
  for (const name of names) {
    const bare = typeof name === 'string' ? name.replace(/^\*\./, '') : name;
    try {
      if (typeof bare !== 'string') throw new TypeError('not a string');
      parseServerIdentity(bare);
    } catch {
      throw new TypeError(`names: ${JSON.stringify(name)} is not a DNS name or IP address`);
    }
    if (/[^\x20-\x7e]/.test(name)) {
      throw new TypeError(
        `names: ${JSON.stringify(name)} is not ASCII; pass internationalized names as A-labels (xn--...)`,
      );
    }
  }
  return names as string[];
}

function validateOptions(options: CertificateChainOptions) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`options: expected an object, got ${JSON.stringify(options)}`);
  }
  const names = validateNames(options.names ?? DEFAULT_NAMES);
  const keyType = validateKeyType('keyType', options.keyType ?? 'ec-p256');
  const caKeyType = validateKeyType('caKeyType', options.caKeyType ?? keyType);
  const validityDays = options.validityDays ?? 14;
  if (
    typeof validityDays !== 'number' ||
    !Number.isFinite(validityDays) ||
    validityDays <= 0 ||
    validityDays > 3650
  ) {
    throw new TypeError(
      `validityDays: expected a number of days from 1 to 3650, got ${JSON.stringify(validityDays)}`,
    );
  }
  const intermediates = options.intermediates ?? 1;
  if (!Number.isInteger(intermediates) || intermediates < 0 || intermediates > 3) {
    throw new TypeError(
      `intermediates: expected an integer from 0 to 3, got ${JSON.stringify(intermediates)}`,
    );
  }
  return { names, keyType, caKeyType, validityDays, intermediates };
}

function validity(days: number): Pick<CertificateTemplate, 'notBefore' | 'notAfter'> {
  const notBefore = Date.now() - BACKDATE_MS;
  return { notBefore, notAfter: notBefore + days * DAY_MS };
}

function leafTemplate(names: string[], key: SigningKey, days: number): CertificateTemplate {
  return {
    commonName: names[0]!,
    names,
    subjectSpki: key.spki,
    ...validity(days),
    ca: false,
    keyUsage: ['digitalSignature'],
    extendedKeyUsage: [ExtendedKeyUsageOid.serverAuth, ExtendedKeyUsageOid.clientAuth],
  };
}

function pem(der: Uint8Array): string {
  return encodePem('CERTIFICATE', der);
}

/**
 * A self-signed certificate and its private key, for development servers.
 * Clients accept it by pinning `sha256` (pinnedSha256, or WebTransport's
 * serverCertificateHashes) or by passing `certificatePem` as their `ca`.
 */
export async function generateSelfSignedCertificate(
  options: SelfSignedCertificateOptions = {},
): Promise<GeneratedCertificate> {
  const { names, keyType, validityDays } = validateOptions(options);
  const { key, pem: privateKeyPem } = await generateKey(keyType);
  const certificateDer = buildCertificate(leafTemplate(names, key, validityDays), { key }, random);
  return {
    certificatePem: pem(certificateDer),
    privateKeyPem,
    certificateDer,
    sha256: sha256(certificateDer),
  };
}

/**
 * A root CA, `intermediates` intermediate CAs and a leaf for `names`, for
 * tests of chain verification: the server presents certificatePem (leaf and
 * intermediates) with privateKeyPem; the client trusts rootCertificatePem.
 */
export async function generateCertificateChain(
  options: CertificateChainOptions = {},
): Promise<GeneratedCertificateChain> {
  const { names, keyType, caKeyType, validityDays, intermediates } = validateOptions(options);
  const rootKey = await generateKey(caKeyType);
  const caTemplate = (
    commonName: string,
    key: SigningKey,
    pathLength: number,
  ): CertificateTemplate => ({
    commonName,
    subjectSpki: key.spki,
    ...validity(validityDays),
    ca: true,
    pathLength,
    keyUsage: ['keyCertSign', 'cRLSign'],
  });
  const rootDer = buildCertificate(
    caTemplate('quic-socket test root CA', rootKey.key, intermediates),
    { key: rootKey.key },
    random,
  );
  let issuer = { der: rootDer, key: rootKey.key };
  const intermediateDers: Uint8Array[] = [];
  for (let i = 1; i <= intermediates; i++) {
    const { key } = await generateKey(caKeyType);
    const template = caTemplate(`quic-socket test intermediate CA ${i}`, key, intermediates - i);
    const der = buildCertificate(
      template,
      { subject: parseCertificate(issuer.der).subject, key: issuer.key },
      random,
    );
    intermediateDers.unshift(der);
    issuer = { der, key };
  }
  const leafKey = await generateKey(keyType);
  const certificateDer = buildCertificate(
    leafTemplate(names, leafKey.key, validityDays),
    { subject: parseCertificate(issuer.der).subject, key: issuer.key },
    random,
  );
  const certificateChainDer = [certificateDer, ...intermediateDers];
  return {
    certificatePem: certificateChainDer.map(pem).join(''),
    privateKeyPem: leafKey.pem,
    certificateDer,
    sha256: sha256(certificateDer),
    certificateChainDer,
    rootCertificatePem: pem(rootDer),
    rootCertificateDer: rootDer,
  };
}
