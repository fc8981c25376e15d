// The TLS 1.3 client handshake for QUIC (RFC 8446 §4, RFC 9001 §4), a
// byte-in, byte-out state machine (see handshake-common.ts for the shape):
//
//   const client = new TlsClient({ serverName, alpn: ['h3'], transportParameters, random,
//                                  currentTimeMs, verification: { trustAnchors } })
//   client.poll()            -> { kind: 'data', level: 'initial', bytes: ClientHello }, ...
//   client.receive('initial', serverHelloBytes)
//   client.poll()            -> secrets, data, transport-parameters, alpn, complete, ...
//
// States as RFC 8446 Appendix A.1 names them: START -> WAIT_SH -> WAIT_EE ->
// WAIT_CERT_CR -> WAIT_CERT -> WAIT_CV -> WAIT_FINISHED -> CONNECTED, plus
// WAIT_CERT_VERIFICATION while a custom (asynchronous) verifier runs.
// Key exchange is always (EC)DHE; a session ticket adds psk_dhe_ke resumption
// and, when the ticket allows it, 0-RTT (the 'early' level write secret).
import {
  CIPHER_SUITES,
  type CipherSuiteInfo,
  cipherSuiteInfo,
  DEFAULT_CIPHER_SUITES,
} from '../cipher-suites.js';
import { TlsAlert } from './alert.js';
import { certificateSpki } from './certificate.js';
import {
  type CertificateVerificationOptions,
  verifyCertificateChain,
} from './certificate-verifier.js';
import {
  bindersLength,
  decodeAlpn,
  decodeCookie,
  decodeKeyShareHelloRetry,
  decodeKeyShareServer,
  decodeMaxEarlyDataSize,
  decodeSelectedIdentity,
  decodeSignatureSchemeList,
  decodeSupportedVersionsServer,
  type Extension,
  ExtensionType,
  encodeAlpn,
  encodeCookie,
  encodeKeyShareClient,
  encodeNamedGroupList,
  encodeOfferedPsks,
  encodePskKeyExchangeModes,
  encodeServerName,
  encodeSignatureSchemeList,
  encodeSupportedVersionsClient,
  findExtension,
  PskKeyExchangeMode,
  requireEmpty,
  TLS13_VERSION,
} from './extensions.js';
import {
  certificateVerifyContent,
  type EncryptionLevel,
  HandshakeEngine,
  isIpLiteral,
  unexpected,
} from './handshake-common.js';
import {
  computeSharedSecret,
  generateKeyShare,
  isSupportedGroup,
  type KeyShare,
  SUPPORTED_GROUPS,
} from './key-exchange.js';
import type { KeyLogCallback } from './key-log.js';
import { KeySchedule, resumptionPsk } from './key-schedule.js';
import {
  decodeCertificate,
  decodeCertificateRequest,
  decodeCertificateVerify,
  decodeEncryptedExtensions,
  decodeFinished,
  decodeNewSessionTicket,
  decodeServerHello,
  encodeCertificate,
  encodeCertificateVerify,
  encodeClientHello,
  encodeFinished,
  type HandshakeMessage,
  HandshakeType,
  isHelloRetryRequest,
  LEGACY_VERSION,
  type ServerHello,
} from './messages.js';
import type { SigningKey } from './private-key.js';
import {
  MAX_TICKET_LIFETIME_SECONDS,
  QUIC_MAX_EARLY_DATA,
  type SessionTicket,
} from './session-ticket.js';
import { verifySignature } from './signature.js';
import {
  SUPPORTED_CERTIFICATE_SIGNATURE_SCHEMES,
  SUPPORTED_SIGNATURE_SCHEMES,
} from './signature-scheme.js';
import { Transcript, transcriptHashOf } from './transcript.js';

export type ClientState =
  | 'START'
  | 'WAIT_SH'
  | 'WAIT_EE'
  | 'WAIT_CERT_CR'
  | 'WAIT_CERT'
  | 'WAIT_CERT_VERIFICATION'
  | 'WAIT_CV'
  | 'WAIT_FINISHED'
  | 'CONNECTED';

/** A custom verifier: return (or resolve) to accept, throw (or reject) with a TlsAlert to refuse. */
export type CertificateVerifier = (
  chain: Uint8Array[],
  context: { serverName: string | undefined; currentTimeMs: number },
) => void | Promise<void>;

export interface TlsClientOptions {
  /** DNS name (sent as SNI) or IP literal (not sent, RFC 6066 §3); checked against the certificate. */
  serverName?: string;
  /** RFC 9001 §8.1: QUIC requires ALPN; at least one protocol. */
  alpn: readonly string[];
  /** Our encoded quic_transport_parameters (RFC 9001 §8.2). */
  transportParameters: Uint8Array;
  random: (n: number) => Uint8Array;
  /** Wall clock, ms since epoch: certificate validity and ticket ages. */
  currentTimeMs: number;
  cipherSuites?: readonly number[];
  /** Groups offered, in preference order; a key share is sent for the first only. */
  groups?: readonly number[];
  /** Built-in chain verification (ignored when `verifyCertificate` is given). */
  verification?: Omit<CertificateVerificationOptions, 'serverName' | 'currentTimeMs'>;
  verifyCertificate?: CertificateVerifier;
  /** A ticket from an earlier connection to resume (psk_dhe_ke). */
  sessionTicket?: SessionTicket;
  /** Attempt 0-RTT when the ticket allows it (default true). */
  earlyData?: boolean;
  /** Sent when the server asks for client authentication (CertificateRequest). */
  clientCertificate?: { readonly chain: readonly Uint8Array[]; readonly key: SigningKey };
  keyLog?: KeyLogCallback;
}

/** NewSessionTickets beyond this many per connection are ignored. */
const MAX_TICKETS_PER_CONNECTION = 8;

interface PskOffer {
  readonly ticket: SessionTicket;
  readonly schedule: KeySchedule;
  readonly suite: CipherSuiteInfo;
}

export class TlsClient extends HandshakeEngine {
  private state: ClientState = 'START';
  private readonly options: TlsClientOptions;
  private readonly suites: readonly number[];
  private readonly groups: readonly number[];
  private readonly sniName: string | undefined;
  private readonly transcript = new Transcript();
  private keyShare: KeyShare;
  private psk: PskOffer | undefined;
  private earlyDataOffered = false;
  private offersPskModes = false;
  private helloRetried = false;
  private retrySuite: number | undefined;
  private cookie: Uint8Array | undefined;
  private schedule: KeySchedule | undefined;
  private resumed = false;
  private clientHsSecret: Uint8Array = new Uint8Array(0);
  private serverHsSecret: Uint8Array = new Uint8Array(0);
  private certificateRequestContext: Uint8Array | undefined;
  private certificateRequestSchemes: readonly number[] = [];
  private resumptionMasterSecret: Uint8Array | undefined;
  private ticketsReceived = 0;

  constructor(options: TlsClientOptions) {
    super(options.currentTimeMs, options.keyLog);
    validateClientOptions(options);
    this.options = options;
    this.suites = options.cipherSuites ?? DEFAULT_CIPHER_SUITES;
    this.groups = options.groups ?? SUPPORTED_GROUPS;
    this.sniName =
      options.serverName !== undefined && !isIpLiteral(options.serverName)
        ? options.serverName
        : undefined;
    this.clientRandom = options.random(32);
    this.keyShare = generateKeyShare(this.groups[0]!, options.random);
    this.sendClientHello();
    this.state = 'WAIT_SH';
  }

  get stateName(): ClientState {
    return this.state;
  }

  /** The server's certificate chain (DER, leaf first) once received; empty on resumption. */
  get peerCertificates(): readonly Uint8Array[] {
    return this.peerChain;
  }

  protected get expectedLevel(): EncryptionLevel {
    if (this.state === 'WAIT_SH') return 'initial';
    if (this.state === 'CONNECTED') return 'application';
    return 'handshake';
  }

  protected handleMessage(m: HandshakeMessage): void {
    const handler = this.handlerFor(m.type);
    if (!handler) throw unexpected(m.type, this.state);
    handler.call(this, m);
  }

  private handlerFor(type: number): ((m: HandshakeMessage) => void) | undefined {
    const T = HandshakeType;
    switch (this.state) {
      case 'WAIT_SH':
        return type === T.server_hello ? this.onServerHello : undefined;
      case 'WAIT_EE':
        return type === T.encrypted_extensions ? this.onEncryptedExtensions : undefined;
      case 'WAIT_CERT_CR':
        if (type === T.certificate_request) return this.onCertificateRequest;
        return type === T.certificate ? this.onCertificate : undefined;
      case 'WAIT_CERT':
        return type === T.certificate ? this.onCertificate : undefined;
      case 'WAIT_CV':
        return type === T.certificate_verify ? this.onCertificateVerify : undefined;
      case 'WAIT_FINISHED':
        return type === T.finished ? this.onFinished : undefined;
      case 'CONNECTED':
        // RFC 9001 §6: a TLS KeyUpdate is unexpected_message in QUIC; post-handshake
        // client authentication was not offered either.
        return type === T.new_session_ticket ? this.onNewSessionTicket : undefined;
      default:
        return undefined;
    }
  }

  // --- ClientHello ---

  private sendClientHello(): void {
    const o = this.options;
    const extensions: Extension[] = [];
    if (this.sniName !== undefined) {
      extensions.push({ type: ExtensionType.server_name, data: encodeServerName(this.sniName) });
    }
    extensions.push(
      {
        type: ExtensionType.supported_versions,
        data: encodeSupportedVersionsClient([TLS13_VERSION]),
      },
      { type: ExtensionType.supported_groups, data: encodeNamedGroupList(this.groups) },
      {
        type: ExtensionType.signature_algorithms,
        data: encodeSignatureSchemeList(SUPPORTED_SIGNATURE_SCHEMES),
      },
      {
        type: ExtensionType.signature_algorithms_cert,
        data: encodeSignatureSchemeList(SUPPORTED_CERTIFICATE_SIGNATURE_SCHEMES),
      },
      {
        type: ExtensionType.key_share,
        data: encodeKeyShareClient([
          { group: this.keyShare.group, keyExchange: this.keyShare.publicKey },
        ]),
      },
      { type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn(o.alpn) },
      { type: ExtensionType.quic_transport_parameters, data: o.transportParameters },
    );
    if (this.cookie)
      extensions.push({ type: ExtensionType.cookie, data: encodeCookie(this.cookie) });
    if (!this.helloRetried) {
      this.psk = this.choosePsk();
      this.offersPskModes = this.psk !== undefined;
    }
    const psk = this.psk;
    // RFC 8446 §4.1.2: ClientHello2 repeats ClientHello1 except for the listed
    // changes; psk_key_exchange_modes stays even if the PSK had to be dropped.
    if (this.offersPskModes) {
      extensions.push({
        type: ExtensionType.psk_key_exchange_modes,
        data: encodePskKeyExchangeModes([PskKeyExchangeMode.psk_dhe_ke]),
      });
    }
    if (psk) {
      // RFC 8446 §4.2.10: a client MUST NOT include early_data in its second ClientHello.
      this.earlyDataOffered =
        !this.helloRetried &&
        o.earlyData !== false &&
        psk.ticket.maxEarlyDataSize === QUIC_MAX_EARLY_DATA &&
        o.alpn.includes(psk.ticket.alpn);
      if (this.earlyDataOffered)
        extensions.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
    }
    const hello = {
      legacyVersion: LEGACY_VERSION,
      random: this.clientRandom,
      // RFC 9001 §8.4: no middlebox compatibility mode, legacy_session_id is empty.
      legacySessionId: new Uint8Array(0),
      // RFC 8446 §4.1.2: the same cipher_suites in ClientHello2 (servers compare them).
      cipherSuites: this.suites,
      legacyCompressionMethods: Uint8Array.of(0),
      extensions,
    };
    const bytes = psk ? this.withBinder(hello, psk) : encodeClientHello(hello);
    this.transcript.add(bytes);
    this.emit({ kind: 'data', level: 'initial', bytes });
    if (psk && this.earlyDataOffered) {
      const secret = psk.schedule.clientEarlyTrafficSecret(transcriptHashOf(psk.suite.hash, bytes));
      this.logSecret('CLIENT_EARLY_TRAFFIC_SECRET', secret);
      this.emit({ kind: 'secrets', level: 'early', write: secret, suite: psk.suite });
    }
  }

  private choosePsk(): PskOffer | undefined {
    const ticket = this.options.sessionTicket;
    if (!ticket) return undefined;
    const suite = cipherSuiteInfo(ticket.cipherSuite);
    const ageMs = this.currentTimeMs - ticket.receivedAtMs;
    // RFC 8446 §4.6.1: clients MUST NOT cache tickets for longer than 7 days or the lifetime.
    const lifetime = Math.min(ticket.lifetimeSeconds, MAX_TICKET_LIFETIME_SECONDS) * 1000;
    if (!suite || !this.suites.includes(suite.code) || ageMs < 0 || ageMs >= lifetime)
      return undefined;
    if (ticket.serverName !== undefined && ticket.serverName !== this.options.serverName)
      return undefined;
    return { ticket, suite, schedule: new KeySchedule(suite.hash, ticket.psk) };
  }

  /**
   * RFC 8446 §4.2.11.2: the binder is an HMAC over the transcript up to and
   * including the ClientHello truncated before the binders list.
   */
  private withBinder(hello: Parameters<typeof encodeClientHello>[0], psk: PskOffer): Uint8Array {
    const ageMs = Math.max(0, Math.floor(this.currentTimeMs - psk.ticket.receivedAtMs));
    const identity = {
      identity: psk.ticket.ticket,
      obfuscatedTicketAge: (ageMs + psk.ticket.ageAdd) >>> 0,
    };
    const placeholder = [new Uint8Array(psk.schedule.hashLength)];
    const withPlaceholder = (binders: Uint8Array[]) =>
      encodeClientHello({
        ...hello,
        extensions: [
          ...hello.extensions,
          {
            type: ExtensionType.pre_shared_key,
            data: encodeOfferedPsks({ identities: [identity], binders }),
          },
        ],
      });
    const draft = withPlaceholder(placeholder);
    const truncated = draft.subarray(0, draft.length - bindersLength(placeholder));
    // After a HelloRetryRequest the transcript already holds message_hash(ClientHello1)
    // and the HelloRetryRequest (RFC 8446 §4.2.11.2).
    const binderHash = this.helloRetried
      ? this.transcript.digestWith(truncated)
      : transcriptHashOf(psk.suite.hash, truncated);
    const binder = psk.schedule.verifyData(psk.schedule.binderKey(), binderHash);
    return withPlaceholder([binder]);
  }

  // --- ServerHello / HelloRetryRequest ---

  private checkServerHelloCommon(sh: ServerHello): CipherSuiteInfo {
    if (sh.legacyVersion !== LEGACY_VERSION) {
      throw new TlsAlert(
        'protocol_version',
        `ServerHello legacy_version 0x${sh.legacyVersion.toString(16)}`,
      );
    }
    const versionExt = findExtension(sh.extensions, ExtensionType.supported_versions);
    // RFC 8446 §4.1.3: a TLS 1.3 ServerHello carries supported_versions selecting 0x0304.
    if (!versionExt || decodeSupportedVersionsServer(versionExt) !== TLS13_VERSION) {
      throw new TlsAlert('protocol_version', 'the server did not select TLS 1.3');
    }
    if (sh.legacySessionIdEcho.length !== 0) {
      throw new TlsAlert(
        'illegal_parameter',
        'legacy_session_id_echo differs from the empty id we sent',
      );
    }
    if (sh.legacyCompressionMethod !== 0) {
      throw new TlsAlert('illegal_parameter', 'legacy_compression_method is not 0');
    }
    const suite = cipherSuiteInfo(sh.cipherSuite);
    if (!suite || !this.suites.includes(suite.code)) {
      throw new TlsAlert(
        'illegal_parameter',
        `the server chose cipher suite 0x${sh.cipherSuite.toString(16)} we did not offer`,
      );
    }
    // RFC 8446 §4.1.4: the suite in ServerHello must match the one in HelloRetryRequest.
    if (this.retrySuite !== undefined && sh.cipherSuite !== this.retrySuite) {
      throw new TlsAlert(
        'illegal_parameter',
        'ServerHello cipher suite differs from HelloRetryRequest',
      );
    }
    return suite;
  }

  private onServerHello(m: HandshakeMessage): void {
    const sh = decodeServerHello(m.body);
    const suite = this.checkServerHelloCommon(sh);
    if (isHelloRetryRequest(sh)) {
      this.onHelloRetryRequest(sh, m, suite);
      return;
    }
    const allowed: number[] = [
      ExtensionType.key_share,
      ExtensionType.pre_shared_key,
      ExtensionType.supported_versions,
    ];
    rejectUnexpectedExtensions(sh.extensions, allowed, 'ServerHello');
    const shareExt = findExtension(sh.extensions, ExtensionType.key_share);
    // We offer psk_dhe_ke only (RFC 8446 §4.2.9), so the server must always send a key share.
    if (!shareExt) throw new TlsAlert('missing_extension', 'ServerHello has no key_share');
    const share = decodeKeyShareServer(shareExt);
    if (share.group !== this.keyShare.group) {
      throw new TlsAlert(
        'illegal_parameter',
        `ServerHello key_share group ${share.group} is not the one we sent`,
      );
    }
    const pskExt = findExtension(sh.extensions, ExtensionType.pre_shared_key);
    let schedule: KeySchedule;
    if (pskExt) {
      if (!this.psk || decodeSelectedIdentity(pskExt) !== 0) {
        throw new TlsAlert('illegal_parameter', 'the server selected a PSK we did not offer');
      }
      // RFC 8446 §4.2.11: the selected suite must use the PSK's hash.
      if (suite.hash !== this.psk.suite.hash) {
        throw new TlsAlert('illegal_parameter', 'the server resumed with a suite of another hash');
      }
      schedule = this.psk.schedule;
      this.resumed = true;
    } else {
      schedule = new KeySchedule(suite.hash);
    }
    this.suite = suite;
    this.schedule = schedule;
    this.transcript.setHash(suite.hash);
    this.transcript.add(m.raw);
    schedule.enterHandshake(computeSharedSecret(this.keyShare, share.keyExchange));
    const helloHash = this.transcript.digest();
    this.clientHsSecret = schedule.clientHandshakeTrafficSecret(helloHash);
    this.serverHsSecret = schedule.serverHandshakeTrafficSecret(helloHash);
    this.logSecret('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientHsSecret);
    this.logSecret('SERVER_HANDSHAKE_TRAFFIC_SECRET', this.serverHsSecret);
    this.requireLevelDrained('initial');
    this.emit({
      kind: 'secrets',
      level: 'handshake',
      read: this.serverHsSecret,
      write: this.clientHsSecret,
      suite,
    });
    this.state = 'WAIT_EE';
  }

  private onHelloRetryRequest(sh: ServerHello, m: HandshakeMessage, suite: CipherSuiteInfo): void {
    // RFC 8446 §4.1.4: a second HelloRetryRequest is unexpected_message.
    if (this.helloRetried) throw new TlsAlert('unexpected_message', 'a second HelloRetryRequest');
    rejectUnexpectedExtensions(
      sh.extensions,
      [ExtensionType.key_share, ExtensionType.cookie, ExtensionType.supported_versions],
      'HelloRetryRequest',
    );
    const shareExt = findExtension(sh.extensions, ExtensionType.key_share);
    const cookieExt = findExtension(sh.extensions, ExtensionType.cookie);
    if (!shareExt && !cookieExt) {
      // RFC 8446 §4.1.4: a HelloRetryRequest that would not change the ClientHello is illegal.
      throw new TlsAlert('illegal_parameter', 'HelloRetryRequest asks for nothing');
    }
    if (shareExt) {
      const group = decodeKeyShareHelloRetry(shareExt);
      if (
        !this.groups.includes(group) ||
        !isSupportedGroup(group) ||
        group === this.keyShare.group
      ) {
        throw new TlsAlert(
          'illegal_parameter',
          `HelloRetryRequest selected group 0x${group.toString(16)}`,
        );
      }
      this.keyShare = generateKeyShare(group, this.options.random);
    }
    if (cookieExt) this.cookie = decodeCookie(cookieExt);
    this.helloRetried = true;
    this.retrySuite = suite.code;
    this.transcript.setHash(suite.hash);
    this.transcript.replaceWithMessageHash();
    this.transcript.add(m.raw);
    if (this.psk && this.psk.suite.hash !== suite.hash) this.psk = undefined;
    if (this.earlyDataOffered) this.emit({ kind: 'early-data', accepted: false });
    this.earlyDataOffered = false;
    this.sendClientHello();
  }

  // --- EncryptedExtensions ---

  private onEncryptedExtensions(m: HandshakeMessage): void {
    const ee = decodeEncryptedExtensions(m.body);
    rejectUnexpectedExtensions(
      ee.extensions,
      [
        ExtensionType.server_name,
        ExtensionType.supported_groups,
        ExtensionType.application_layer_protocol_negotiation,
        ExtensionType.quic_transport_parameters,
        ExtensionType.early_data,
      ],
      'EncryptedExtensions',
      // Extensions we never send and that are not ServerHello-only may be ignored
      // when the server echoes well-known ones (record_size_limit in RFC 8448).
      true,
    );
    const alpnExt = findExtension(
      ee.extensions,
      ExtensionType.application_layer_protocol_negotiation,
    );
    // RFC 9001 §8.1: endpoints MUST use ALPN; no agreed protocol is no_application_protocol.
    if (!alpnExt)
      throw new TlsAlert('no_application_protocol', 'the server selected no ALPN protocol');
    const selected = decodeAlpn(alpnExt);
    // RFC 7301 §3.1: the server's list MUST contain exactly one protocol, one we offered.
    if (selected.length !== 1 || !this.options.alpn.includes(selected[0]!)) {
      throw new TlsAlert(
        'illegal_parameter',
        `the server selected ALPN ${JSON.stringify(selected)}, not one we offered`,
      );
    }
    const tp = findExtension(ee.extensions, ExtensionType.quic_transport_parameters);
    // RFC 9001 §8.2: a missing quic_transport_parameters is missing_extension.
    if (!tp)
      throw new TlsAlert('missing_extension', 'the server sent no quic_transport_parameters');
    const sni = findExtension(ee.extensions, ExtensionType.server_name);
    if (sni) {
      if (this.sniName === undefined)
        throw new TlsAlert('unsupported_extension', 'server_name we did not send');
      requireEmpty(sni, 'server_name');
    }
    const early = findExtension(ee.extensions, ExtensionType.early_data);
    if (early) {
      // RFC 8446 §4.2.10: early_data in EncryptedExtensions only answers an offer.
      if (!this.earlyDataOffered || !this.resumed) {
        throw new TlsAlert('illegal_parameter', 'the server accepted early data we did not offer');
      }
      requireEmpty(early, 'early_data');
    }
    this.alpn = selected[0]!;
    this.transcript.add(m.raw);
    this.emit({ kind: 'transport-parameters', bytes: tp });
    this.emit({ kind: 'alpn', protocol: this.alpn });
    if (this.earlyDataOffered) {
      // RFC 9001 §4.6.2: 0-RTT accepted also needs the same ALPN as the ticket's.
      this.emit({
        kind: 'early-data',
        accepted: early !== undefined && this.alpn === this.psk!.ticket.alpn,
      });
    }
    this.state = this.resumed ? 'WAIT_FINISHED' : 'WAIT_CERT_CR';
  }

  // --- CertificateRequest, Certificate, CertificateVerify ---

  private onCertificateRequest(m: HandshakeMessage): void {
    const cr = decodeCertificateRequest(m.body);
    // RFC 8446 §4.3.2: the signature_algorithms extension MUST be specified.
    if (!findExtension(cr.extensions, ExtensionType.signature_algorithms)) {
      throw new TlsAlert('missing_extension', 'CertificateRequest without signature_algorithms');
    }
    // RFC 8446 §4.3.2: in the handshake, certificate_request_context SHALL be zero length.
    if (cr.context.length !== 0)
      throw new TlsAlert('illegal_parameter', 'CertificateRequest context is not empty');
    // Without a usable client certificate we answer with an empty Certificate (RFC 8446 §4.4.2).
    this.certificateRequestContext = cr.context;
    this.certificateRequestSchemes = decodeSignatureSchemeList(
      findExtension(cr.extensions, ExtensionType.signature_algorithms)!,
    );
    this.transcript.add(m.raw);
    this.state = 'WAIT_CERT';
  }

  private onCertificate(m: HandshakeMessage): void {
    const cert = decodeCertificate(m.body);
    if (cert.context.length !== 0)
      throw new TlsAlert('illegal_parameter', 'server Certificate context is not empty');
    // RFC 8446 §4.4.2.4: an empty server Certificate is decode_error.
    if (cert.entries.length === 0)
      throw new TlsAlert('decode_error', 'the server sent no certificate');
    for (const e of cert.entries) {
      // We request no OCSP or SCT: RFC 8446 §4.4.2 allows only extensions we asked for.
      if (e.extensions.length > 0) {
        throw new TlsAlert(
          'unsupported_extension',
          'CertificateEntry extension we did not request',
        );
      }
    }
    this.peerChain = cert.entries.map((e) => e.data);
    this.transcript.add(m.raw);
    const custom = this.options.verifyCertificate;
    const context = { serverName: this.options.serverName, currentTimeMs: this.currentTimeMs };
    if (!custom) {
      verifyCertificateChain(this.peerChain, {
        ...this.options.verification,
        serverName: this.options.serverName,
        currentTimeMs: this.currentTimeMs,
      });
      this.state = 'WAIT_CV';
      return;
    }
    let result: void | Promise<void>;
    try {
      result = custom(this.peerChain, context);
    } catch (e) {
      throw asVerificationAlert(e);
    }
    if (typeof (result as Promise<void> | undefined)?.then !== 'function') {
      this.state = 'WAIT_CV';
      return;
    }
    this.state = 'WAIT_CERT_VERIFICATION';
    this.pauseFor(Promise.resolve(result), (error) => {
      if (error !== undefined) throw asVerificationAlert(error);
      this.state = 'WAIT_CV';
    });
  }

  private onCertificateVerify(m: HandshakeMessage): void {
    const cv = decodeCertificateVerify(m.body);
    // RFC 8446 §4.4.3: the scheme MUST be one we offered in signature_algorithms.
    if (!SUPPORTED_SIGNATURE_SCHEMES.includes(cv.scheme)) {
      throw new TlsAlert(
        'illegal_parameter',
        `CertificateVerify scheme 0x${cv.scheme.toString(16)} was not offered`,
      );
    }
    const content = certificateVerifyContent('server', this.transcript.digest());
    const spki = certificateSpki(this.peerChain[0]!);
    if (!verifySignature(cv.scheme, spki, content, cv.signature)) {
      throw new TlsAlert('decrypt_error', 'the server CertificateVerify signature does not verify');
    }
    this.transcript.add(m.raw);
    this.state = 'WAIT_FINISHED';
  }

  // --- Finished ---

  private onFinished(m: HandshakeMessage): void {
    const schedule = this.schedule!;
    const verifyData = decodeFinished(m.body, schedule.hashLength);
    if (!schedule.verifyFinished(this.serverHsSecret, this.transcript.digest(), verifyData)) {
      throw new TlsAlert('decrypt_error', 'the server Finished does not verify');
    }
    this.transcript.add(m.raw);
    this.requireLevelDrained('handshake');
    schedule.enterMaster();
    const serverFinishedHash = this.transcript.digest();
    const clientAp = schedule.clientApplicationTrafficSecret(serverFinishedHash);
    const serverAp = schedule.serverApplicationTrafficSecret(serverFinishedHash);
    this.logSecret('CLIENT_TRAFFIC_SECRET_0', clientAp);
    this.logSecret('SERVER_TRAFFIC_SECRET_0', serverAp);
    const exporterSecret = schedule.exporterMasterSecret(serverFinishedHash);
    this.logSecret('EXPORTER_SECRET', exporterSecret);
    this.exporter = { hash: schedule.hash, secret: exporterSecret };
    const flight = this.certificateRequestContext ? this.clientAuthenticationFlight() : [];
    const finished = encodeFinished(
      schedule.verifyData(this.clientHsSecret, this.transcript.digest()),
    );
    this.transcript.add(finished);
    flight.push(finished);
    this.resumptionMasterSecret = schedule.resumptionMasterSecret(this.transcript.digest());
    for (const bytes of flight) this.emit({ kind: 'data', level: 'handshake', bytes });
    this.emit({
      kind: 'secrets',
      level: 'application',
      read: serverAp,
      write: clientAp,
      suite: this.suite!,
    });
    this.state = 'CONNECTED';
    this.emit({ kind: 'complete', resumed: this.resumed });
  }

  /**
   * RFC 8446 §4.4.2, §4.4.3: our Certificate (empty when we have no certificate
   * or no scheme the server accepts) and, with a certificate, CertificateVerify.
   */
  private clientAuthenticationFlight(): Uint8Array[] {
    const own = this.options.clientCertificate;
    const scheme = own?.key.schemes.find((s) => this.certificateRequestSchemes.includes(s));
    const entries =
      own && scheme !== undefined ? own.chain.map((data) => ({ data, extensions: [] })) : [];
    const certificate = encodeCertificate({ context: this.certificateRequestContext!, entries });
    this.transcript.add(certificate);
    if (!own || scheme === undefined) return [certificate];
    const content = certificateVerifyContent('client', this.transcript.digest());
    const signature = own.key.sign(scheme, content, this.options.random);
    const verify = encodeCertificateVerify({ scheme, signature });
    this.transcript.add(verify);
    return [certificate, verify];
  }

  // --- NewSessionTicket ---

  private onNewSessionTicket(m: HandshakeMessage): void {
    const nst = decodeNewSessionTicket(m.body);
    // RFC 8446 §4.6.1: servers MUST NOT use a lifetime over 604800 seconds.
    if (nst.lifetime > MAX_TICKET_LIFETIME_SECONDS) {
      throw new TlsAlert('illegal_parameter', `ticket lifetime ${nst.lifetime}s exceeds 7 days`);
    }
    rejectUnexpectedExtensions(
      nst.extensions,
      [ExtensionType.early_data],
      'NewSessionTicket',
      true,
    );
    const early = findExtension(nst.extensions, ExtensionType.early_data);
    const maxEarlyDataSize = early ? decodeMaxEarlyDataSize(early) : 0;
    // RFC 9001 §4.6.1: max_early_data_size other than 0xffffffff is a PROTOCOL_VIOLATION.
    if (early && maxEarlyDataSize !== QUIC_MAX_EARLY_DATA) {
      throw new TlsAlert(
        'illegal_parameter',
        `ticket max_early_data_size ${maxEarlyDataSize} is not 0xffffffff`,
      );
    }
    if (nst.lifetime === 0) return; // RFC 8446 §4.6.1: zero means discard immediately.
    // A bound on what a server can make us hand out: later tickets are ignored.
    if (++this.ticketsReceived > MAX_TICKETS_PER_CONNECTION) return;
    const suite = this.suite!;
    this.emit({
      kind: 'session-ticket',
      ticket: {
        ticket: nst.ticket,
        psk: resumptionPsk(suite.hash, this.resumptionMasterSecret!, nst.nonce),
        cipherSuite: suite.code,
        lifetimeSeconds: nst.lifetime,
        ageAdd: nst.ageAdd,
        receivedAtMs: this.currentTimeMs,
        maxEarlyDataSize,
        alpn: this.alpn,
        serverName: this.options.serverName,
      },
    });
  }
}

/**
 * RFC 8446 §4.2: an extension the peer sends that we did not offer is
 * unsupported_extension; with `tolerateUnknown`, extension types this engine
 * does not know at all are skipped (the peer may answer extensions of a richer
 * client, as RFC 8448's server echoes record_size_limit).
 */
function rejectUnexpectedExtensions(
  extensions: readonly Extension[],
  allowed: readonly number[],
  what: string,
  tolerateUnknown = false,
): void {
  const known = new Set<number>(Object.values(ExtensionType));
  for (const e of extensions) {
    if (allowed.includes(e.type)) continue;
    if (tolerateUnknown && !known.has(e.type)) continue;
    const alert = known.has(e.type) ? 'illegal_parameter' : 'unsupported_extension';
    throw new TlsAlert(alert, `${what} carries extension ${e.type}, not allowed there`);
  }
}

function asVerificationAlert(error: unknown): TlsAlert {
  if (error instanceof TlsAlert) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new TlsAlert('bad_certificate', `certificate verifier refused the chain: ${reason}`);
}

function validateClientOptions(o: TlsClientOptions): void {
  if (!Array.isArray(o.alpn) || o.alpn.length === 0) {
    throw new TypeError(
      `alpn must list at least one protocol (RFC 9001 §8.1), got ${JSON.stringify(o.alpn)}`,
    );
  }
  for (const p of o.alpn) {
    if (typeof p !== 'string' || p.length === 0 || new TextEncoder().encode(p).length > 255) {
      throw new TypeError(`alpn protocol must be 1..255 bytes, got ${JSON.stringify(p)}`);
    }
  }
  if (!(o.transportParameters instanceof Uint8Array)) {
    throw new TypeError('transportParameters must be a Uint8Array');
  }
  if (typeof o.random !== 'function')
    throw new TypeError('random must be a function (n) => Uint8Array');
  if (!Number.isFinite(o.currentTimeMs))
    throw new TypeError(`currentTimeMs must be a number, got ${o.currentTimeMs}`);
  for (const s of o.cipherSuites ?? []) {
    if (!(s in CIPHER_SUITES))
      throw new TypeError(`cipherSuites: unknown suite 0x${Number(s).toString(16)}`);
  }
  if (o.cipherSuites && o.cipherSuites.length === 0)
    throw new TypeError('cipherSuites must not be empty');
  for (const g of o.groups ?? []) {
    if (!isSupportedGroup(g))
      throw new TypeError(`groups: unsupported group 0x${Number(g).toString(16)}`);
  }
  if (o.groups && o.groups.length === 0) throw new TypeError('groups must not be empty');
}
