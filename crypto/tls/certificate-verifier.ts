// Server certificate validation: path building from the leaf to a trust
// anchor (RFC 5280 §6, simplified: no policies, no revocation), validity
// dates, basic constraints and key usage, name constraints for DNS and IP
// names, and the server identity check (RFC 6125). Synchronous; the caller
// passes the wall-clock time.
import { sha256 } from '@noble/hashes/sha2.js';
import { equalBytes } from '../bytes.js';
import { TlsAlert } from './alert.js';
import {
  certificateSubject,
  KeyUsageBit,
  MAX_CHAIN_LENGTH,
  type NameConstraintSet,
  type ParsedCertificate,
  parseCertificate,
} from './certificate.js';
import {
  certificateMatchesIdentity,
  describeIdentity,
  formatIp,
  parseServerIdentity,
  type ServerIdentity,
} from './certificate-hostname.js';
import { publicKeyFromSpki, verifyWithAlgorithm } from './signature.js';

export interface CertificateVerificationOptions {
  /** DNS name or IP literal to match against subjectAltName (IP addresses against iPAddress SANs). */
  serverName?: string;
  /** DER roots; the shell (src/) supplies the system store or the user's `ca`. */
  trustAnchors?: Uint8Array[];
  /**
   * Like WebTransport serverCertificateHashes: SHA-256 of the leaf DER. When
   * given, the leaf must match one of them; a match is accepted without chain
   * building or name check (validity dates still checked), and no match is a
   * failure even if a chain to a trust anchor exists.
   */
  pinnedSha256?: Uint8Array[];
  /** Loudly named opt-out, tests only: accepts any certificate. */
  dangerouslySkipVerification?: boolean;
  /** Wall-clock ms since epoch, passed in (crypto/ never reads the clock). */
  currentTimeMs: number;
  /** Extended key usage the leaf must allow when it has the extension; default 'serverAuth'. */
  purpose?: 'serverAuth' | 'clientAuth';
}

const EKU = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
  any: '2.5.29.37.0',
} as const;

/**
 * A timestamp (ms since the epoch) as ISO 8601 UTC, for error messages.
 * Computed arithmetically (days to civil date, H. Hinnant's algorithm) so
 * crypto/ constructs no Date at all.
 */
export function isoDate(ms: number): string {
  if (!Number.isFinite(ms)) return String(ms);
  const days = Math.floor(ms / 86_400_000);
  const msOfDay = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  const h = Math.floor(msOfDay / 3_600_000);
  const m = Math.floor((msOfDay % 3_600_000) / 60_000);
  const sec = Math.floor((msOfDay % 60_000) / 1000);
  const milli = Math.floor(msOfDay % 1000);
  const y = year < 0 ? `-${pad(-year, 6)}` : year > 9999 ? `+${pad(year, 6)}` : pad(year, 4);
  return `${y}-${pad(month)}-${pad(day)}T${pad(h)}:${pad(m)}:${pad(sec)}.${pad(milli, 3)}Z`;
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

function key(bytes: Uint8Array): string {
  return hex(bytes);
}

/** RFC 5280 §6.1.3 (a)(2): the time must fall within the validity period. */
function checkValidity(certificate: ParsedCertificate, now: number, role: string): void {
  if (now < certificate.notBefore) {
    throw new TlsAlert(
      'certificate_expired',
      `${role} ${certificate.displayName} is not valid before ${isoDate(certificate.notBefore)} (now ${isoDate(now)})`,
    );
  }
  if (now > certificate.notAfter) {
    throw new TlsAlert(
      'certificate_expired',
      `${role} ${certificate.displayName} expired on ${isoDate(certificate.notAfter)} (now ${isoDate(now)})`,
    );
  }
}

function checkCriticalExtensions(certificate: ParsedCertificate, role: string): void {
  // RFC 5280 §4.2: "A certificate-using system MUST reject the certificate if it encounters a critical extension it does not recognize".
  if (certificate.unknownCriticalExtensions.length > 0) {
    throw new TlsAlert(
      'unsupported_certificate',
      `${role} ${certificate.displayName} has unsupported critical extensions ${certificate.unknownCriticalExtensions.join(', ')}`,
    );
  }
}

function checkLeaf(leaf: ParsedCertificate, purpose: 'serverAuth' | 'clientAuth'): void {
  checkCriticalExtensions(leaf, 'certificate');
  // RFC 5280 §4.2.1.3 / RFC 8446 §4.4.2.2: the key signs CertificateVerify, so digitalSignature when KeyUsage is present.
  if (leaf.keyUsage && !leaf.keyUsage.has(KeyUsageBit.digitalSignature)) {
    throw new TlsAlert(
      'bad_certificate',
      `certificate ${leaf.displayName} has a key usage extension without digitalSignature`,
    );
  }
  // RFC 5280 §4.2.1.12: when present, the purpose must be listed (or anyExtendedKeyUsage).
  const eku = leaf.extendedKeyUsage;
  if (eku && !eku.includes(EKU[purpose]) && !eku.includes(EKU.any)) {
    throw new TlsAlert(
      'bad_certificate',
      `certificate ${leaf.displayName} has an extended key usage without ${purpose}`,
    );
  }
  publicKeyFromSpki(leaf.spki); // unsupported key type -> unsupported_certificate now, not later
}

function checkServerName(leaf: ParsedCertificate, identity: ServerIdentity): void {
  if (certificateMatchesIdentity(identity, leaf.dnsNames, leaf.ipAddresses)) return;
  const presented = [...leaf.dnsNames, ...leaf.ipAddresses.map(formatIp)];
  const expected = describeIdentity(identity);
  // RFC 6125 §6.4.4: no fallback to the subject common name.
  const reason =
    presented.length === 0
      ? `certificate ${leaf.displayName} has no subjectAltName names; expected ${expected}`
      : `certificate is for ${presented.join(', ')}; expected ${expected}`;
  throw new TlsAlert('bad_certificate', reason);
}

function dnsWithin(name: string, constraint: string): boolean {
  const n = name.toLowerCase().replace(/^\*\./, '');
  const c = constraint.replace(/^\./, '');
  if (c === '') return true;
  return n === c || n.endsWith(`.${c}`);
}

function ipWithin(address: Uint8Array, range: { address: Uint8Array; mask: Uint8Array }): boolean {
  if (address.length !== range.address.length) return false;
  return address.every((b, i) => (b & range.mask[i]!) === (range.address[i]! & range.mask[i]!));
}

/** RFC 5280 §4.2.1.10 for the leaf's dNSName and iPAddress names. */
function checkNameConstraints(
  issuer: ParsedCertificate,
  leaf: ParsedCertificate,
): string | undefined {
  const permitted: NameConstraintSet | undefined = issuer.permitted;
  const excluded: NameConstraintSet | undefined = issuer.excluded;
  for (const name of leaf.dnsNames) {
    if (permitted && permitted.dns.length > 0 && !permitted.dns.some((c) => dnsWithin(name, c))) {
      return `${name} is outside the names ${issuer.displayName} may issue for`;
    }
    if (excluded?.dns.some((c) => dnsWithin(name, c))) {
      return `${name} is excluded by the name constraints of ${issuer.displayName}`;
    }
  }
  for (const address of leaf.ipAddresses) {
    if (permitted && permitted.ip.length > 0 && !permitted.ip.some((r) => ipWithin(address, r))) {
      return `${formatIp(address)} is outside the addresses ${issuer.displayName} may issue for`;
    }
    if (excluded?.ip.some((r) => ipWithin(address, r))) {
      return `${formatIp(address)} is excluded by the name constraints of ${issuer.displayName}`;
    }
  }
  return undefined;
}

/** Why `issuer` may not issue at this position, or undefined if it may. */
function issuerProblem(
  issuer: ParsedCertificate,
  isAnchor: boolean,
  intermediatesBelow: number,
  leaf: ParsedCertificate,
): TlsAlert | undefined {
  const bc = issuer.basicConstraints;
  // RFC 5280 §6.1.4 (k): intermediates must be CA certificates. Trust anchors
  // are trusted as configured (v1 roots lack the extension) unless they say cA: false.
  if (isAnchor ? bc?.ca === false : !bc?.ca) {
    return new TlsAlert(
      'bad_certificate',
      `issuer ${issuer.displayName} is not a CA (basicConstraints)`,
    );
  }
  // RFC 5280 §6.1.4 (m): pathLenConstraint bounds the non-self-issued intermediates below.
  if (bc?.pathLength !== undefined && intermediatesBelow > bc.pathLength) {
    return new TlsAlert(
      'bad_certificate',
      `issuer ${issuer.displayName} allows ${bc.pathLength} intermediate certificates below it, the chain has ${intermediatesBelow}`,
    );
  }
  // RFC 5280 §6.1.4 (n): "If a key usage extension is present, verify that the keyCertSign bit is set."
  if (issuer.keyUsage && !issuer.keyUsage.has(KeyUsageBit.keyCertSign)) {
    return new TlsAlert(
      'bad_certificate',
      `issuer ${issuer.displayName} may not sign certificates (keyUsage)`,
    );
  }
  if (!isAnchor && issuer.unknownCriticalExtensions.length > 0) {
    return new TlsAlert(
      'unsupported_certificate',
      `issuer ${issuer.displayName} has unsupported critical extensions ${issuer.unknownCriticalExtensions.join(', ')}`,
    );
  }
  const constraint = checkNameConstraints(issuer, leaf);
  if (constraint) return new TlsAlert('bad_certificate', constraint);
  return undefined;
}

/** Did `issuer` sign `subject`? A TlsAlert explains why not. */
function signatureProblem(
  subject: ParsedCertificate,
  issuer: ParsedCertificate,
): TlsAlert | undefined {
  const algorithm = subject.signatureAlgorithm;
  if (!algorithm) {
    return new TlsAlert(
      'unsupported_certificate',
      `certificate ${subject.displayName} is signed with unsupported algorithm ${subject.signatureAlgorithmOid}`,
    );
  }
  try {
    const issuerKey = publicKeyFromSpki(issuer.spki);
    if (
      verifyWithAlgorithm(
        algorithm,
        issuerKey,
        subject.tbs,
        subject.signature,
        'certificate signature',
      )
    ) {
      return undefined;
    }
    return new TlsAlert(
      'decrypt_error',
      `signature on certificate ${subject.displayName} does not verify with the key of ${issuer.displayName}`,
    );
  } catch (error) {
    if (!(error instanceof TlsAlert)) throw error;
    return error.alertName === 'illegal_parameter'
      ? new TlsAlert('bad_certificate', `certificate ${subject.displayName}: ${error.message}`)
      : error;
  }
}

/**
 * Trust anchors indexed by subject Name. Only the subject is read up front
 * (a cheap DER walk); an anchor is fully parsed the first time it is a
 * candidate issuer, so a system store of ~150 roots costs little per handshake.
 */
type AnchorIndex = Map<string, Uint8Array[]>;

const parsedAnchors = new WeakMap<Uint8Array, ParsedCertificate | null>();
const anchorIndexes = new WeakMap<readonly Uint8Array[], AnchorIndex>();

function parseAnchor(der: Uint8Array): ParsedCertificate | null {
  let parsed = parsedAnchors.get(der);
  if (parsed === undefined) {
    try {
      parsed = parseCertificate(der);
    } catch {
      parsed = null; // an unparsable root cannot anchor anything; skip it
    }
    parsedAnchors.set(der, parsed);
  }
  return parsed;
}

function indexAnchors(anchors: readonly Uint8Array[]): AnchorIndex {
  const cached = anchorIndexes.get(anchors);
  if (cached) return cached;
  const index: AnchorIndex = new Map();
  for (const der of anchors) {
    const subject = certificateSubject(der);
    if (!subject) continue;
    const subjectKey = key(subject);
    index.set(subjectKey, [...(index.get(subjectKey) ?? []), der]);
  }
  anchorIndexes.set(anchors, index);
  return index;
}

function anchorsNamed(index: AnchorIndex, name: Uint8Array): ParsedCertificate[] {
  const parsed: ParsedCertificate[] = [];
  for (const der of index.get(key(name)) ?? []) {
    const anchor = parseAnchor(der);
    if (anchor) parsed.push(anchor);
  }
  return parsed;
}

interface PathSearch {
  readonly leaf: ParsedCertificate;
  readonly intermediates: readonly ParsedCertificate[];
  readonly anchors: AnchorIndex;
  readonly now: number;
  /** The most informative reason a candidate issuer was rejected. */
  failure?: TlsAlert;
  /** Candidate (subject, issuer) checks left: bounds the work a peer's chain can cause. */
  budget: number;
  /** Signature results per (subject, issuer) pair, so no signature is verified twice. */
  readonly signatures: Map<string, TlsAlert | undefined>;
}

/**
 * At most this many candidate issuers are examined per verification. A
 * chain of n same-named certificates could otherwise make the depth-first
 * search try n! orderings.
 */
export const MAX_PATH_CANDIDATES = 64;

function isSelfIssued(certificate: ParsedCertificate): boolean {
  return equalBytes(certificate.issuer, certificate.subject);
}

function tryIssuer(
  search: PathSearch,
  subject: ParsedCertificate,
  issuer: ParsedCertificate,
  isAnchor: boolean,
  intermediatesBelow: number,
): boolean {
  if (search.budget-- <= 0) {
    search.failure ??= new TlsAlert(
      'bad_certificate',
      `certificate chain for ${search.leaf.displayName} needs more than ${MAX_PATH_CANDIDATES} issuer candidates to be checked`,
    );
    return false;
  }
  const pair = `${key(subject.der)}/${key(issuer.der)}`;
  if (!search.signatures.has(pair)) search.signatures.set(pair, signatureProblem(subject, issuer));
  const problem =
    search.signatures.get(pair) ??
    issuerProblem(issuer, isAnchor, intermediatesBelow, search.leaf) ??
    validityProblem(issuer, search.now);
  if (problem) {
    search.failure ??= problem;
    return false;
  }
  return true;
}

function validityProblem(certificate: ParsedCertificate, now: number): TlsAlert | undefined {
  try {
    checkValidity(certificate, now, 'issuer');
    return undefined;
  } catch (error) {
    return error as TlsAlert;
  }
}

/** Depth-first search for a path from `subject` up to a trust anchor, bounded by MAX_CHAIN_LENGTH. */
function findPath(
  search: PathSearch,
  subject: ParsedCertificate,
  intermediatesBelow: number,
  used: Set<ParsedCertificate>,
): boolean {
  const issuerKey = key(subject.issuer);
  for (const anchor of anchorsNamed(search.anchors, subject.issuer)) {
    if (tryIssuer(search, subject, anchor, true, intermediatesBelow)) return true;
  }
  if (used.size >= MAX_CHAIN_LENGTH) return false;
  for (const candidate of search.intermediates) {
    if (used.has(candidate) || key(candidate.subject) !== issuerKey) continue;
    if (!tryIssuer(search, subject, candidate, false, intermediatesBelow)) continue;
    used.add(candidate);
    // RFC 5280 §6.1.4 (l): self-issued certificates do not count against pathLenConstraint.
    const below = intermediatesBelow + (isSelfIssued(candidate) ? 0 : 1);
    if (findPath(search, candidate, below, used)) return true;
    used.delete(candidate);
  }
  return false;
}

function checkPinned(leaf: ParsedCertificate, pins: readonly Uint8Array[]): void {
  const digest = sha256(leaf.der);
  if (pins.some((pin) => equalBytes(pin, digest))) return;
  throw new TlsAlert(
    'bad_certificate',
    `certificate ${leaf.displayName} has SHA-256 ${hex(digest)}, which matches none of the ${pins.length} pinned hashes`,
  );
}

function validateOptions(chain: Uint8Array[], options: CertificateVerificationOptions): void {
  if (!options || typeof options !== 'object') {
    throw new TypeError('options: expected an object with currentTimeMs');
  }
  if (typeof options.currentTimeMs !== 'number' || !Number.isFinite(options.currentTimeMs)) {
    throw new TypeError(
      `currentTimeMs: expected a finite number, got ${String(options.currentTimeMs)}`,
    );
  }
  if (!Array.isArray(chain)) throw new TypeError('chain: expected an array of DER certificates');
  const anchors = options.trustAnchors ?? [];
  if (!Array.isArray(anchors))
    throw new TypeError('trustAnchors: expected an array of DER certificates');
  anchors.forEach((anchor, i) => {
    if (!(anchor instanceof Uint8Array)) {
      throw new TypeError(
        `trustAnchors[${i}]: expected DER bytes (Uint8Array), got ${typeof anchor}`,
      );
    }
  });
  const pins = options.pinnedSha256 ?? [];
  if (!Array.isArray(pins))
    throw new TypeError('pinnedSha256: expected an array of SHA-256 hashes');
  pins.forEach((pin, i) => {
    if (!(pin instanceof Uint8Array) || pin.length !== 32) {
      throw new TypeError(
        `pinnedSha256[${i}]: expected 32 bytes of SHA-256, got ${pin instanceof Uint8Array ? `${pin.length} bytes` : typeof pin}`,
      );
    }
  });
}

/**
 * Verifies a server's certificate chain (leaf first, DER). Returns normally
 * when the chain is acceptable; otherwise throws a TlsAlert:
 * bad_certificate (unparsable, name mismatch, constraints, key usage),
 * unknown_ca, certificate_expired (also not yet valid),
 * unsupported_certificate, decrypt_error (a chain signature that fails).
 */
export function verifyCertificateChain(
  chain: Uint8Array[],
  options: CertificateVerificationOptions,
): void {
  validateOptions(chain, options);
  if (options.dangerouslySkipVerification === true) return;
  const identity =
    options.serverName === undefined ? undefined : parseServerIdentity(options.serverName);
  if (chain.length === 0) throw new TlsAlert('bad_certificate', 'the peer sent no certificate');
  if (chain.length > MAX_CHAIN_LENGTH) {
    throw new TlsAlert(
      'bad_certificate',
      `certificate chain has ${chain.length} certificates, more than the ${MAX_CHAIN_LENGTH} allowed`,
    );
  }
  const leaf = parseCertificate(chain[0]!);
  const now = options.currentTimeMs;
  checkValidity(leaf, now, 'certificate');
  if (options.pinnedSha256 && options.pinnedSha256.length > 0) {
    checkPinned(leaf, options.pinnedSha256);
    return;
  }
  checkLeaf(leaf, options.purpose ?? 'serverAuth');
  if (identity) checkServerName(leaf, identity);

  const anchors = indexAnchors(options.trustAnchors ?? []);
  // A leaf that is itself a configured anchor (e.g. a self-signed certificate given as `ca`) is trusted.
  if (anchorsNamed(anchors, leaf.subject).some((anchor) => equalBytes(anchor.der, leaf.der)))
    return;
  const search: PathSearch = {
    leaf,
    intermediates: chain.slice(1).map(parseCertificate),
    anchors,
    now,
    budget: MAX_PATH_CANDIDATES,
    signatures: new Map(),
  };
  if (findPath(search, leaf, 0, new Set())) return;
  if (search.failure) throw search.failure;
  const top = chainTop(search);
  throw new TlsAlert(
    'unknown_ca',
    (options.trustAnchors?.length ?? 0) === 0
      ? `no trust anchors are configured to verify certificate ${leaf.displayName} (pass ca, or pin the certificate hash)`
      : `certificate ${leaf.displayName} chains to ${top}, which is not a trusted root`,
  );
}

/** For the unknown_ca message: the issuer the presented chain ends at. */
function chainTop(search: PathSearch): string {
  let current = search.leaf;
  for (let i = 0; i < MAX_CHAIN_LENGTH; i++) {
    const next = search.intermediates.find(
      (c) => c !== current && equalBytes(c.subject, current.issuer),
    );
    if (!next) break;
    current = next;
  }
  return isSelfIssued(current)
    ? `self-signed ${current.displayName}`
    : `${current.issuerDisplayName} (the issuer of ${current.displayName})`;
}
