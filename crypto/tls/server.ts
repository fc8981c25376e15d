// The TLS 1.3 server handshake for QUIC (RFC 8446 §4, RFC 9001 §4), a
// byte-in, byte-out state machine (see handshake-common.ts for the shape):
//
//   const server = new TlsServer({ certificateChain, signingKey, alpn: ['h3'],
//                                  transportParameters, random, currentTimeMs, ticketKey })
//   server.receive('initial', clientHelloBytes)
//   server.poll()  -> data (initial: ServerHello), secrets (handshake), data (handshake:
//                     EncryptedExtensions..Finished), secrets (application write), ...
//   server.receive('handshake', clientFinishedBytes)
//   server.poll()  -> secrets (application read), complete, data (application: NewSessionTicket)
//
// States as RFC 8446 Appendix A.2 names them: START -> RECVD_CH -> NEGOTIATED
// -> WAIT_FLIGHT2 -> [WAIT_CERT -> WAIT_CV ->] WAIT_FINISHED -> CONNECTED
// (RECVD_CH, NEGOTIATED and WAIT_FLIGHT2 are passed within one receive() call;
// WAIT_EOED does not exist in QUIC, RFC 9001 §8.3; WAIT_CERT/WAIT_CV only with
// the clientAuthentication option).
// After a HelloRetryRequest the server is back in START awaiting ClientHello2.
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
  decodeKeyShareClient,
  decodeNamedGroupList,
  decodeOfferedPsks,
  decodePskKeyExchangeModes,
  decodeServerName,
  decodeSignatureSchemeList,
  decodeSupportedVersionsClient,
  type Extension,
  ExtensionType,
  encodeAlpn,
  encodeKeyShareHelloRetry,
  encodeKeyShareServer,
  encodeMaxEarlyDataSize,
  encodeSelectedIdentity,
  encodeSignatureSchemeList,
  encodeSupportedVersionsServer,
  findExtension,
  type KeyShareEntry,
  PskKeyExchangeMode,
  requireEmpty,
  TLS13_VERSION,
} from './extensions.js';
import {
  certificateVerifyContent,
  type EncryptionLevel,
  HandshakeEngine,
  unexpected,
} from './handshake-common.js';
import {
  computeSharedSecret,
  generateKeyShare,
  isSupportedGroup,
  SUPPORTED_GROUPS,
} from './key-exchange.js';
import type { KeyLogCallback } from './key-log.js';
import { KeySchedule, resumptionPsk } from './key-schedule.js';
import {
  type ClientHello,
  decodeCertificate,
  decodeCertificateVerify,
  decodeClientHello,
  decodeFinished,
  encodeCertificate,
  encodeCertificateRequest,
  encodeCertificateVerify,
  encodeEncryptedExtensions,
  encodeFinished,
  encodeNewSessionTicket,
  encodeServerHello,
  type HandshakeMessage,
  HandshakeType,
  HELLO_RETRY_REQUEST_RANDOM,
  LEGACY_VERSION,
} from './messages.js';
import type { SigningKey } from './private-key.js';
import {
  MAX_TICKET_LIFETIME_SECONDS,
  QUIC_MAX_EARLY_DATA,
  TicketSealer,
  type TicketState,
} from './session-ticket.js';
import { verifySignature } from './signature.js';
import { SUPPORTED_SIGNATURE_SCHEMES } from './signature-scheme.js';
import { Transcript } from './transcript.js';

export type ServerState =
  | 'START'
  | 'RECVD_CH'
  | 'NEGOTIATED'
  | 'WAIT_FLIGHT2'
  | 'WAIT_CERT'
  | 'WAIT_CV'
  | 'WAIT_FINISHED'
  | 'CONNECTED';

export interface ServerCertificate {
  /** DER certificates, leaf first. */
  readonly chain: readonly Uint8Array[];
  readonly key: SigningKey;
}

export interface TlsServerOptions {
  /** The certificate chain and key, unless `selectCertificate` picks one per SNI. */
  certificate?: ServerCertificate;
  /** Picks a certificate by the client's server_name (undefined when none was sent). */
  selectCertificate?: (serverName: string | undefined) => ServerCertificate | undefined;
  /** Protocols we speak, preferred first: we pick the first of ours the client offers. */
  alpn?: readonly string[];
  /** Or pick one from the client's list (undefined: no_application_protocol). */
  selectAlpn?: (offered: readonly string[]) => string | undefined;
  /** Our encoded quic_transport_parameters (RFC 9001 §8.2). */
  transportParameters: Uint8Array;
  random: (n: number) => Uint8Array;
  /** Wall clock, ms since epoch: ticket issue time and age checks. */
  currentTimeMs: number;
  cipherSuites?: readonly number[];
  /** Groups in preference order; a client share for a less preferred group triggers HelloRetryRequest. */
  groups?: readonly number[];
  /**
   * 32-byte key sealing session tickets; share one per listener so any
   * connection resumes any other's sessions. Without it a key is drawn from
   * `random` and tickets only resume on this engine (useless across connections).
   */
  ticketKey?: Uint8Array;
  /** Issue a NewSessionTicket after the handshake (default true). */
  issueTickets?: boolean;
  /** Ticket lifetime in seconds (default and maximum 7 days, RFC 8446 §4.6.1). */
  ticketLifetimeSeconds?: number;
  /**
   * Accept 0-RTT on resumption (default false: the QUIC layer must provide
   * anti-replay, RFC 8446 §8, before turning it on). Tickets then allow early data.
   */
  earlyData?: boolean;
  /** Ask clients for a certificate (RFC 8446 §4.3.2; full handshakes only, not on resumption). */
  clientAuthentication?: {
    /** Refuse a client that sends no certificate (certificate_required). Default false. */
    readonly required?: boolean;
    /** How the client's chain is verified (purpose clientAuth; no name is checked). */
    readonly verification?: Omit<CertificateVerificationOptions, 'currentTimeMs' | 'purpose'>;
  };
  keyLog?: KeyLogCallback;
}

/** RFC 8446 §8.3: how far the client's view of the ticket age may be off (ms). */
const TICKET_AGE_TOLERANCE_MS = 10_000;

interface Negotiated {
  readonly hello: ClientHello;
  readonly suite: CipherSuiteInfo;
  readonly share: KeyShareEntry;
  readonly alpn: string;
  readonly serverName: string | undefined;
  readonly transportParameters: Uint8Array;
  readonly certificate: ServerCertificate | undefined;
  readonly scheme: number | undefined;
}

interface AcceptedPsk {
  readonly schedule: KeySchedule;
  readonly selectedIdentity: number;
  readonly earlyData: boolean;
}

export class TlsServer extends HandshakeEngine {
  private state: ServerState = 'START';
  private readonly options: TlsServerOptions;
  private readonly suites: readonly number[];
  private readonly groups: readonly number[];
  private readonly sealer: TicketSealer | undefined;
  private readonly transcript = new Transcript();
  private helloRetried = false;
  private retryGroup: number | undefined;
  private retrySuite: number | undefined;
  private schedule: KeySchedule | undefined;
  private clientHsSecret: Uint8Array = new Uint8Array(0);
  private sni: string | undefined;
  private resumed = false;
  private earlyDataAccepted = false;

  constructor(options: TlsServerOptions) {
    super(options.currentTimeMs, options.keyLog);
    validateServerOptions(options);
    this.options = options;
    this.suites = options.cipherSuites ?? DEFAULT_CIPHER_SUITES;
    this.groups = options.groups ?? SUPPORTED_GROUPS;
    if (options.issueTickets !== false || options.ticketKey) {
      this.sealer = new TicketSealer(options.ticketKey ?? options.random(32));
    }
  }

  get stateName(): ServerState {
    return this.state;
  }

  /** The client's server_name (SNI), once ClientHello is processed. */
  get serverName(): string | undefined {
    return this.sni;
  }

  /** The client's certificate chain (DER, leaf first) when it authenticated; else empty. */
  get clientCertificates(): readonly Uint8Array[] {
    return this.peerChain;
  }

  /** Whether 0-RTT was accepted (known once ClientHello is processed). */
  get acceptedEarlyData(): boolean {
    return this.earlyDataAccepted;
  }

  protected get expectedLevel(): EncryptionLevel {
    if (this.state === 'START') return 'initial';
    if (this.state === 'CONNECTED') return 'application';
    return 'handshake';
  }

  protected handleMessage(m: HandshakeMessage): void {
    if (this.state === 'START' && m.type === HandshakeType.client_hello) {
      this.onClientHello(m);
      return;
    }
    if (this.state === 'WAIT_FINISHED' && m.type === HandshakeType.finished) {
      this.onFinished(m);
      return;
    }
    if (this.state === 'WAIT_CERT' && m.type === HandshakeType.certificate) {
      this.onClientCertificate(m);
      return;
    }
    if (this.state === 'WAIT_CV' && m.type === HandshakeType.certificate_verify) {
      this.onClientCertificateVerify(m);
      return;
    }
    // RFC 9001 §8.3: EndOfEarlyData is never sent in QUIC; RFC 9001 §6: nor is KeyUpdate.
    throw unexpected(m.type, this.state);
  }

  // --- ClientHello ---

  private onClientHello(m: HandshakeMessage): void {
    const hello = decodeClientHello(m.body);
    this.state = 'RECVD_CH';
    checkClientHelloBasics(hello);
    const suite = this.selectSuite(hello);
    const groupChoice = this.selectGroup(hello);
    if (groupChoice.retry) {
      this.sendHelloRetryRequest(m, hello, suite, groupChoice.group);
      return;
    }
    const negotiated = this.negotiate(hello, suite, groupChoice.share);
    this.transcript.setHash(suite.hash);
    // The binder covers the transcript before this ClientHello, then the truncated hello.
    const psk = this.acceptPsk(negotiated, m.raw);
    this.transcript.add(m.raw);
    this.state = 'NEGOTIATED';
    this.sendServerFlight(negotiated, psk);
  }

  private selectSuite(hello: ClientHello): CipherSuiteInfo {
    if (this.retrySuite !== undefined) {
      // RFC 8446 §4.1.2: ClientHello2 must still offer the suite HelloRetryRequest chose.
      if (!hello.cipherSuites.includes(this.retrySuite)) {
        throw new TlsAlert(
          'illegal_parameter',
          'ClientHello2 dropped the cipher suite of HelloRetryRequest',
        );
      }
      return cipherSuiteInfo(this.retrySuite)!;
    }
    const code = this.suites.find((s) => hello.cipherSuites.includes(s));
    if (code === undefined) {
      throw new TlsAlert(
        'handshake_failure',
        `no common cipher suite: client offers ${hexList(hello.cipherSuites)}, we allow ${hexList(this.suites)}`,
      );
    }
    return cipherSuiteInfo(code)!;
  }

  private selectGroup(
    hello: ClientHello,
  ): { retry: false; share: KeyShareEntry } | { retry: true; group: number } {
    const sharesExt = findExtension(hello.extensions, ExtensionType.key_share);
    const groupsExt = findExtension(hello.extensions, ExtensionType.supported_groups);
    // RFC 8446 §9.2: a ClientHello with key_share must carry supported_groups, and we
    // do (EC)DHE always (psk_dhe_ke), so both are required.
    if (!sharesExt || !groupsExt) {
      throw new TlsAlert('missing_extension', 'ClientHello lacks key_share or supported_groups');
    }
    const shares = decodeKeyShareClient(sharesExt);
    const offered = decodeNamedGroupList(groupsExt);
    for (const s of shares) {
      // RFC 8446 §4.2.8: each KeyShareEntry MUST be for a group in supported_groups.
      if (!offered.includes(s.group)) {
        throw new TlsAlert(
          'illegal_parameter',
          `key_share for group ${s.group} not in supported_groups`,
        );
      }
    }
    if (this.retryGroup !== undefined) {
      const share = shares.length === 1 ? shares[0] : undefined;
      // RFC 8446 §4.2.8: after HelloRetryRequest the client sends exactly the requested share.
      if (!share || share.group !== this.retryGroup) {
        throw new TlsAlert(
          'illegal_parameter',
          'ClientHello2 key_share is not the group HelloRetryRequest asked for',
        );
      }
      return { retry: false, share };
    }
    const group = this.groups.find((g) => offered.includes(g));
    if (group === undefined) {
      throw new TlsAlert(
        'handshake_failure',
        `no common group: client offers ${hexList(offered)}, we allow ${hexList(this.groups)}`,
      );
    }
    const share = shares.find((s) => s.group === group);
    return share ? { retry: false, share } : { retry: true, group };
  }

  private negotiate(hello: ClientHello, suite: CipherSuiteInfo, share: KeyShareEntry): Negotiated {
    const ext = (t: number) => findExtension(hello.extensions, t);
    const tp = ext(ExtensionType.quic_transport_parameters);
    // RFC 9001 §8.2: a ClientHello without quic_transport_parameters is missing_extension.
    if (!tp)
      throw new TlsAlert('missing_extension', 'ClientHello has no quic_transport_parameters');
    const alpnExt = ext(ExtensionType.application_layer_protocol_negotiation);
    const offeredAlpn = alpnExt ? decodeAlpn(alpnExt) : [];
    const alpn = this.options.selectAlpn
      ? this.options.selectAlpn(offeredAlpn)
      : this.options.alpn?.find((p) => offeredAlpn.includes(p));
    // RFC 9001 §8.1: no agreed application protocol is no_application_protocol.
    if (alpn === undefined || !offeredAlpn.includes(alpn)) {
      throw new TlsAlert(
        'no_application_protocol',
        `no common ALPN: client offers ${JSON.stringify(offeredAlpn)}, we speak ${JSON.stringify(this.options.alpn ?? [])}`,
      );
    }
    const sniExt = ext(ExtensionType.server_name);
    const serverName = sniExt ? decodeServerName(sniExt) : undefined;
    return {
      hello,
      suite,
      share,
      alpn,
      serverName,
      transportParameters: tp,
      certificate: undefined,
      scheme: undefined,
    };
  }

  /** Certificate and CertificateVerify scheme for a full (non-PSK) handshake. */
  private chooseCertificate(n: Negotiated): { certificate: ServerCertificate; scheme: number } {
    const certificate = this.options.selectCertificate
      ? this.options.selectCertificate(n.serverName)
      : this.options.certificate;
    if (!certificate) {
      throw new TlsAlert(
        n.serverName === undefined ? 'handshake_failure' : 'unrecognized_name',
        `no certificate for server name ${JSON.stringify(n.serverName)}`,
      );
    }
    const sigExt = findExtension(n.hello.extensions, ExtensionType.signature_algorithms);
    // RFC 8446 §4.2.3: a client wanting certificate authentication MUST send signature_algorithms.
    if (!sigExt) throw new TlsAlert('missing_extension', 'ClientHello has no signature_algorithms');
    const offered = decodeSignatureSchemeList(sigExt);
    const scheme = certificate.key.schemes.find((s) => offered.includes(s));
    if (scheme === undefined) {
      throw new TlsAlert(
        'handshake_failure',
        `no common signature scheme: client offers ${hexList(offered)}, our ${certificate.key.keyType} key signs ${hexList(certificate.key.schemes)}`,
      );
    }
    return { certificate, scheme };
  }

  // --- HelloRetryRequest ---

  private sendHelloRetryRequest(
    m: HandshakeMessage,
    hello: ClientHello,
    suite: CipherSuiteInfo,
    group: number,
  ): void {
    if (this.helloRetried) {
      throw new TlsAlert('illegal_parameter', 'ClientHello2 still lacks an acceptable key share');
    }
    // Fail now, before a round trip, on what ClientHello2 cannot fix.
    this.negotiate(hello, suite, { group, keyExchange: new Uint8Array(0) });
    this.helloRetried = true;
    this.retryGroup = group;
    this.retrySuite = suite.code;
    this.transcript.setHash(suite.hash);
    this.transcript.add(m.raw);
    this.transcript.replaceWithMessageHash();
    const hrr = encodeServerHello({
      legacyVersion: LEGACY_VERSION,
      random: HELLO_RETRY_REQUEST_RANDOM,
      legacySessionIdEcho: new Uint8Array(0),
      cipherSuite: suite.code,
      legacyCompressionMethod: 0,
      extensions: [
        {
          type: ExtensionType.supported_versions,
          data: encodeSupportedVersionsServer(TLS13_VERSION),
        },
        { type: ExtensionType.key_share, data: encodeKeyShareHelloRetry(group) },
      ],
    });
    this.transcript.add(hrr);
    this.clientRandom = hello.random;
    this.emit({ kind: 'data', level: 'initial', bytes: hrr });
    // RFC 8446 §4.2.10: 0-RTT offered in ClientHello1 is rejected by a HelloRetryRequest.
    if (findExtension(hello.extensions, ExtensionType.early_data)) {
      this.emit({ kind: 'early-data', accepted: false });
    }
    this.state = 'START';
  }

  // --- PSK resumption ---

  /**
   * RFC 8446 §4.2.11: select the first acceptable identity whose binder
   * verifies. Unusable tickets are skipped (full handshake); a binder that does
   * not verify for a ticket we issued is decrypt_error.
   */
  private acceptPsk(n: Negotiated, rawHello: Uint8Array): AcceptedPsk | undefined {
    const pskExt = findExtension(n.hello.extensions, ExtensionType.pre_shared_key);
    if (!pskExt || !this.sealer) return undefined;
    const modesExt = findExtension(n.hello.extensions, ExtensionType.psk_key_exchange_modes);
    // RFC 8446 §4.2.9: a client offering pre_shared_key MUST send psk_key_exchange_modes.
    if (!modesExt)
      throw new TlsAlert('missing_extension', 'pre_shared_key without psk_key_exchange_modes');
    if (!decodePskKeyExchangeModes(modesExt).includes(PskKeyExchangeMode.psk_dhe_ke))
      return undefined;
    const offer = decodeOfferedPsks(pskExt);
    const truncated = rawHello.subarray(0, rawHello.length - bindersLength(offer.binders));
    for (let i = 0; i < offer.identities.length; i++) {
      const identity = offer.identities[i]!;
      const state = this.sealer.open(identity.identity);
      if (!state || !this.ticketUsable(state, n)) continue;
      const schedule = new KeySchedule(n.suite.hash, state.psk);
      const binderHash = this.transcript.digestWith(truncated);
      if (!schedule.verifyFinished(schedule.binderKey(), binderHash, offer.binders[i]!)) {
        throw new TlsAlert('decrypt_error', 'PSK binder does not verify');
      }
      const ageMs = (identity.obfuscatedTicketAge - state.ageAdd) >>> 0;
      const realAgeMs = this.currentTimeMs - state.issuedAtMs;
      const earlyData =
        i === 0 &&
        this.options.earlyData === true &&
        !this.helloRetried &&
        findExtension(n.hello.extensions, ExtensionType.early_data) !== undefined &&
        state.maxEarlyDataSize === QUIC_MAX_EARLY_DATA &&
        state.cipherSuite === n.suite.code &&
        state.alpn === n.alpn &&
        Math.abs(ageMs - realAgeMs) <= TICKET_AGE_TOLERANCE_MS;
      return { schedule, selectedIdentity: i, earlyData };
    }
    return undefined;
  }

  private ticketUsable(state: TicketState, n: Negotiated): boolean {
    const suite = cipherSuiteInfo(state.cipherSuite);
    const ageMs = this.currentTimeMs - state.issuedAtMs;
    // RFC 8446 §4.2.11: the PSK's hash must match the selected suite's.
    return (
      suite !== undefined &&
      suite.hash === n.suite.hash &&
      ageMs >= 0 &&
      ageMs < Math.min(state.lifetimeSeconds, MAX_TICKET_LIFETIME_SECONDS) * 1000
    );
  }

  // --- ServerHello and the server's flight ---

  private sendServerFlight(n: Negotiated, psk: AcceptedPsk | undefined): void {
    const suite = n.suite;
    const schedule = psk?.schedule ?? new KeySchedule(suite.hash);
    const auth = psk ? undefined : this.chooseCertificate(n);
    this.schedule = schedule;
    this.suite = suite;
    this.alpn = n.alpn;
    this.sni = n.serverName;
    this.resumed = psk !== undefined;
    this.clientRandom = n.hello.random;
    const earlyOffered = findExtension(n.hello.extensions, ExtensionType.early_data) !== undefined;
    this.earlyDataAccepted = psk?.earlyData ?? false;
    if (this.earlyDataAccepted) {
      const secret = schedule.clientEarlyTrafficSecret(this.transcript.digest());
      this.logSecret('CLIENT_EARLY_TRAFFIC_SECRET', secret);
      this.emit({ kind: 'secrets', level: 'early', read: secret, suite });
    }
    if (earlyOffered) this.emit({ kind: 'early-data', accepted: this.earlyDataAccepted });

    const ourShare = generateKeyShare(n.share.group, this.options.random);
    const shExtensions: Extension[] = [
      {
        type: ExtensionType.supported_versions,
        data: encodeSupportedVersionsServer(TLS13_VERSION),
      },
      {
        type: ExtensionType.key_share,
        data: encodeKeyShareServer({ group: ourShare.group, keyExchange: ourShare.publicKey }),
      },
    ];
    if (psk) {
      const index = (psk.schedule as KeySchedule & { selectedIdentity: number }).selectedIdentity;
      shExtensions.push({
        type: ExtensionType.pre_shared_key,
        data: encodeSelectedIdentity(index),
      });
    }
    const sh = encodeServerHello({
      legacyVersion: LEGACY_VERSION,
      random: this.options.random(32),
      legacySessionIdEcho: n.hello.legacySessionId,
      cipherSuite: suite.code,
      legacyCompressionMethod: 0,
      extensions: shExtensions,
    });
    this.transcript.add(sh);
    schedule.enterHandshake(computeSharedSecret(ourShare, n.share.keyExchange));
    const helloHash = this.transcript.digest();
    this.clientHsSecret = schedule.clientHandshakeTrafficSecret(helloHash);
    const serverHs = schedule.serverHandshakeTrafficSecret(helloHash);
    this.logSecret('CLIENT_HANDSHAKE_TRAFFIC_SECRET', this.clientHsSecret);
    this.logSecret('SERVER_HANDSHAKE_TRAFFIC_SECRET', serverHs);
    this.emit({ kind: 'data', level: 'initial', bytes: sh });
    this.emit({
      kind: 'secrets',
      level: 'handshake',
      read: this.clientHsSecret,
      write: serverHs,
      suite,
    });
    this.emit({ kind: 'transport-parameters', bytes: n.transportParameters });
    this.emit({ kind: 'alpn', protocol: n.alpn });

    const eeExtensions: Extension[] = [
      { type: ExtensionType.application_layer_protocol_negotiation, data: encodeAlpn([n.alpn]) },
      { type: ExtensionType.quic_transport_parameters, data: this.options.transportParameters },
    ];
    if (this.earlyDataAccepted)
      eeExtensions.push({ type: ExtensionType.early_data, data: new Uint8Array(0) });
    const flight = [encodeEncryptedExtensions({ extensions: eeExtensions })];
    this.transcript.add(flight[0]!);
    // RFC 8446 §4.3.2: servers authenticating with a PSK MUST NOT send CertificateRequest.
    const requestCertificate =
      auth !== undefined && this.options.clientAuthentication !== undefined;
    if (requestCertificate) {
      const request = encodeCertificateRequest({
        context: new Uint8Array(0),
        extensions: [
          {
            type: ExtensionType.signature_algorithms,
            data: encodeSignatureSchemeList(SUPPORTED_SIGNATURE_SCHEMES),
          },
        ],
      });
      this.transcript.add(request);
      flight.push(request);
    }
    if (auth) {
      const certificate = encodeCertificate({
        context: new Uint8Array(0),
        entries: auth.certificate.chain.map((data) => ({ data, extensions: [] })),
      });
      this.transcript.add(certificate);
      const content = certificateVerifyContent('server', this.transcript.digest());
      const signature = auth.certificate.key.sign(auth.scheme, content, this.options.random);
      const verify = encodeCertificateVerify({ scheme: auth.scheme, signature });
      this.transcript.add(verify);
      flight.push(certificate, verify);
    }
    const finished = encodeFinished(schedule.verifyData(serverHs, this.transcript.digest()));
    this.transcript.add(finished);
    flight.push(finished);
    for (const bytes of flight) this.emit({ kind: 'data', level: 'handshake', bytes });

    schedule.enterMaster();
    const serverFinishedHash = this.transcript.digest();
    const serverAp = schedule.serverApplicationTrafficSecret(serverFinishedHash);
    this.pendingClientAp = schedule.clientApplicationTrafficSecret(serverFinishedHash);
    this.logSecret('CLIENT_TRAFFIC_SECRET_0', this.pendingClientAp);
    this.logSecret('SERVER_TRAFFIC_SECRET_0', serverAp);
    const exporterSecret = schedule.exporterMasterSecret(serverFinishedHash);
    this.logSecret('EXPORTER_SECRET', exporterSecret);
    this.exporter = { hash: schedule.hash, secret: exporterSecret };
    // RFC 9001 §5.7: the server may send 1-RTT data now; it reads 1-RTT only once
    // the handshake completes, so the read secret comes with the client Finished.
    this.emit({ kind: 'secrets', level: 'application', write: serverAp, suite });
    // WAIT_FLIGHT2 is left at once: QUIC has no EndOfEarlyData (RFC 9001 §8.3).
    this.state = requestCertificate ? 'WAIT_CERT' : 'WAIT_FINISHED';
  }

  private pendingClientAp: Uint8Array = new Uint8Array(0);

  // --- client authentication ---

  private onClientCertificate(m: HandshakeMessage): void {
    const cert = decodeCertificate(m.body);
    // RFC 8446 §4.4.2: the context echoes the CertificateRequest's (empty here).
    if (cert.context.length !== 0) {
      throw new TlsAlert(
        'illegal_parameter',
        'client Certificate context differs from the request',
      );
    }
    for (const e of cert.entries) {
      if (e.extensions.length > 0) {
        throw new TlsAlert(
          'unsupported_extension',
          'CertificateEntry extension we did not request',
        );
      }
    }
    this.transcript.add(m.raw);
    if (cert.entries.length === 0) {
      // RFC 8446 §4.4.2.4: a server requiring client authentication aborts with certificate_required.
      if (this.options.clientAuthentication?.required) {
        throw new TlsAlert(
          'certificate_required',
          'the client sent no certificate and one is required',
        );
      }
      this.state = 'WAIT_FINISHED';
      return;
    }
    this.peerChain = cert.entries.map((e) => e.data);
    verifyCertificateChain(this.peerChain, {
      ...this.options.clientAuthentication?.verification,
      purpose: 'clientAuth',
      currentTimeMs: this.currentTimeMs,
    });
    this.state = 'WAIT_CV';
  }

  private onClientCertificateVerify(m: HandshakeMessage): void {
    const cv = decodeCertificateVerify(m.body);
    // RFC 8446 §4.4.3: the scheme MUST be one offered in the CertificateRequest.
    if (!SUPPORTED_SIGNATURE_SCHEMES.includes(cv.scheme)) {
      throw new TlsAlert(
        'illegal_parameter',
        `CertificateVerify scheme 0x${cv.scheme.toString(16)} was not offered`,
      );
    }
    const content = certificateVerifyContent('client', this.transcript.digest());
    if (!verifySignature(cv.scheme, certificateSpki(this.peerChain[0]!), content, cv.signature)) {
      throw new TlsAlert('decrypt_error', 'the client CertificateVerify signature does not verify');
    }
    this.transcript.add(m.raw);
    this.state = 'WAIT_FINISHED';
  }

  // --- client Finished, tickets ---

  private onFinished(m: HandshakeMessage): void {
    const schedule = this.schedule!;
    const verifyData = decodeFinished(m.body, schedule.hashLength);
    if (!schedule.verifyFinished(this.clientHsSecret, this.transcript.digest(), verifyData)) {
      throw new TlsAlert('decrypt_error', 'the client Finished does not verify');
    }
    this.transcript.add(m.raw);
    this.requireLevelDrained('handshake');
    const resumptionMasterSecret = schedule.resumptionMasterSecret(this.transcript.digest());
    this.emit({
      kind: 'secrets',
      level: 'application',
      read: this.pendingClientAp,
      suite: this.suite!,
    });
    this.state = 'CONNECTED';
    this.emit({ kind: 'complete', resumed: this.resumed });
    if (this.sealer && this.options.issueTickets !== false) this.sendTicket(resumptionMasterSecret);
  }

  private sendTicket(resumptionMasterSecret: Uint8Array): void {
    const suite = this.suite!;
    const nonce = Uint8Array.of(0);
    const lifetimeSeconds = Math.min(
      this.options.ticketLifetimeSeconds ?? MAX_TICKET_LIFETIME_SECONDS,
      MAX_TICKET_LIFETIME_SECONDS,
    );
    const ageBytes = this.options.random(4);
    const ageAdd =
      ((ageBytes[0]! << 24) | (ageBytes[1]! << 16) | (ageBytes[2]! << 8) | ageBytes[3]!) >>> 0;
    const maxEarlyDataSize = this.options.earlyData === true ? QUIC_MAX_EARLY_DATA : 0;
    const ticket = this.sealer!.seal(
      {
        cipherSuite: suite.code,
        psk: resumptionPsk(suite.hash, resumptionMasterSecret, nonce),
        alpn: this.alpn,
        ageAdd,
        issuedAtMs: Math.floor(this.currentTimeMs),
        lifetimeSeconds,
        maxEarlyDataSize,
      },
      this.options.random,
    );
    const extensions: Extension[] =
      maxEarlyDataSize > 0
        ? [{ type: ExtensionType.early_data, data: encodeMaxEarlyDataSize(maxEarlyDataSize) }]
        : [];
    const bytes = encodeNewSessionTicket({
      lifetime: lifetimeSeconds,
      ageAdd,
      nonce,
      ticket,
      extensions,
    });
    this.emit({ kind: 'data', level: 'application', bytes });
  }
}

/** Checks every ClientHello field whose failure no negotiation can repair. */
function checkClientHelloBasics(hello: ClientHello): void {
  const versionsExt = findExtension(hello.extensions, ExtensionType.supported_versions);
  // RFC 8446 §4.2.1: without supported_versions listing 0x0304 this is not TLS 1.3.
  if (!versionsExt || !decodeSupportedVersionsClient(versionsExt).includes(TLS13_VERSION)) {
    throw new TlsAlert('protocol_version', 'the client does not offer TLS 1.3 (QUIC requires it)');
  }
  // RFC 9001 §8.4: a server SHOULD treat a non-empty legacy_session_id as a connection error.
  if (hello.legacySessionId.length !== 0) {
    throw new TlsAlert(
      'illegal_parameter',
      'QUIC ClientHello has a non-empty legacy_session_id (RFC 9001 §8.4)',
    );
  }
  // RFC 8446 §4.1.2: legacy_compression_methods MUST be exactly one zero byte.
  if (hello.legacyCompressionMethods.length !== 1 || hello.legacyCompressionMethods[0] !== 0) {
    throw new TlsAlert('illegal_parameter', 'legacy_compression_methods is not [null]');
  }
  const last = hello.extensions.at(-1);
  // RFC 8446 §4.2.11: pre_shared_key MUST be the last extension in the ClientHello.
  if (
    findExtension(hello.extensions, ExtensionType.pre_shared_key) &&
    last?.type !== ExtensionType.pre_shared_key
  ) {
    throw new TlsAlert('illegal_parameter', 'pre_shared_key is not the last ClientHello extension');
  }
  const early = findExtension(hello.extensions, ExtensionType.early_data);
  if (early) requireEmpty(early, 'early_data');
}

function hexList(values: readonly number[]): string {
  return `[${values.map((v) => `0x${v.toString(16).padStart(4, '0')}`).join(', ')}]`;
}

function validateServerOptions(o: TlsServerOptions): void {
  if (!o.certificate && !o.selectCertificate) {
    throw new TypeError('certificate or selectCertificate is required');
  }
  if (o.certificate && (!Array.isArray(o.certificate.chain) || o.certificate.chain.length === 0)) {
    throw new TypeError('certificate.chain must list at least the leaf certificate (DER)');
  }
  if (!o.alpn && !o.selectAlpn)
    throw new TypeError('alpn or selectAlpn is required (RFC 9001 §8.1)');
  if (!(o.transportParameters instanceof Uint8Array)) {
    throw new TypeError('transportParameters must be a Uint8Array');
  }
  if (typeof o.random !== 'function')
    throw new TypeError('random must be a function (n) => Uint8Array');
  if (!Number.isFinite(o.currentTimeMs)) {
    throw new TypeError(`currentTimeMs must be a number, got ${o.currentTimeMs}`);
  }
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
  const lifetime = o.ticketLifetimeSeconds;
  if (
    lifetime !== undefined &&
    !(Number.isInteger(lifetime) && lifetime > 0 && lifetime <= MAX_TICKET_LIFETIME_SECONDS)
  ) {
    throw new TypeError(
      `ticketLifetimeSeconds must be 1..${MAX_TICKET_LIFETIME_SECONDS}, got ${lifetime}`,
    );
  }
}
