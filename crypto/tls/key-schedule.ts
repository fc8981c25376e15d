// The TLS 1.3 key schedule (RFC 8446 §7.1):
//
//              0 -> HKDF-Extract(salt 0, IKM PSK or 0) = Early Secret
//   Early Secret  -> binder_key, client_early_traffic_secret, early_exporter_master_secret
//                 -> Derive-Secret(., "derived", "") -> salt
//   (EC)DHE       -> HKDF-Extract = Handshake Secret -> c/s hs traffic
//                 -> Derive-Secret(., "derived", "") -> salt
//   0             -> HKDF-Extract = Master Secret -> c/s ap traffic, exporter, resumption
import {
  emptyHash,
  HASH_LENGTH,
  type HashName,
  hash,
  hkdfExpandLabel,
  hkdfExtract,
  hmac,
  type LabelExpander,
  labelExpander,
} from '../hkdf.js';
import { bytesEqual } from './codec.js';

export class KeySchedule {
  readonly hashLength: number;
  readonly earlySecret: Uint8Array;
  private handshake: Uint8Array | undefined;
  private master: Uint8Array | undefined;
  private readonly emptyHash: Uint8Array;
  /**
   * The HMAC keyed with the stage secret derived from last: the handshake
   * secret derives three secrets in a row, the master secret four (RFC 8446
   * §7.1), so one slot keys each once and holds one key, not three.
   */
  private expanding: { secret: Uint8Array; expand: LabelExpander } | undefined;

  /** psk: the resumption PSK, or undefined for a full handshake (IKM of zeros). */
  constructor(
    readonly hash: HashName,
    psk?: Uint8Array,
  ) {
    this.hashLength = HASH_LENGTH[hash];
    this.emptyHash = emptyHash(hash);
    this.earlySecret = hkdfExtract(hash, new Uint8Array(this.hashLength), psk ?? this.zeros());
  }

  private zeros(): Uint8Array {
    return new Uint8Array(this.hashLength);
  }

  /** RFC 8446 §7.1: Derive-Secret(Secret, Label, Messages) over an already computed transcript hash. */
  deriveSecret(secret: Uint8Array, label: string, transcriptHash: Uint8Array): Uint8Array {
    // Only the schedule's own secrets are keyed once; they never change.
    const own = secret === this.earlySecret || secret === this.handshake || secret === this.master;
    if (!own) return hkdfExpandLabel(this.hash, secret, label, transcriptHash, this.hashLength);
    if (this.expanding?.secret !== secret) {
      this.expanding = { secret, expand: labelExpander(this.hash, secret) };
    }
    return this.expanding.expand(label, transcriptHash, this.hashLength);
  }

  /** "res binder" for resumption PSKs (RFC 8446 §7.1; "ext binder" is for external PSKs). */
  binderKey(): Uint8Array {
    return this.deriveSecret(this.earlySecret, 'res binder', this.emptyHash);
  }

  clientEarlyTrafficSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.earlySecret, 'c e traffic', clientHelloHash);
  }

  earlyExporterMasterSecret(clientHelloHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.earlySecret, 'e exp master', clientHelloHash);
  }

  /** Mixes in the (EC)DHE shared secret: Handshake Secret. */
  enterHandshake(sharedSecret: Uint8Array): Uint8Array {
    const salt = this.deriveSecret(this.earlySecret, 'derived', this.emptyHash);
    this.handshake = hkdfExtract(this.hash, salt, sharedSecret);
    return this.handshake;
  }

  get handshakeSecret(): Uint8Array {
    if (!this.handshake) throw new Error('key schedule: handshake secret not derived yet');
    return this.handshake;
  }

  clientHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.handshakeSecret, 'c hs traffic', helloHash);
  }

  serverHandshakeTrafficSecret(helloHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.handshakeSecret, 's hs traffic', helloHash);
  }

  enterMaster(): Uint8Array {
    const salt = this.deriveSecret(this.handshakeSecret, 'derived', this.emptyHash);
    this.master = hkdfExtract(this.hash, salt, this.zeros());
    return this.master;
  }

  get masterSecret(): Uint8Array {
    if (!this.master) throw new Error('key schedule: master secret not derived yet');
    return this.master;
  }

  /** transcriptHash: ClientHello...server Finished. */
  clientApplicationTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.masterSecret, 'c ap traffic', transcriptHash);
  }

  serverApplicationTrafficSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.masterSecret, 's ap traffic', transcriptHash);
  }

  exporterMasterSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.masterSecret, 'exp master', transcriptHash);
  }

  /** transcriptHash: ClientHello...client Finished. */
  resumptionMasterSecret(transcriptHash: Uint8Array): Uint8Array {
    return this.deriveSecret(this.masterSecret, 'res master', transcriptHash);
  }

  /** RFC 8446 §4.4.4: finished_key = HKDF-Expand-Label(BaseKey, "finished", "", Hash.length). */
  finishedKey(baseKey: Uint8Array): Uint8Array {
    return hkdfExpandLabel(this.hash, baseKey, 'finished', new Uint8Array(0), this.hashLength);
  }

  /** RFC 8446 §4.4.4: verify_data = HMAC(finished_key, Transcript-Hash(...)). */
  verifyData(baseKey: Uint8Array, transcriptHash: Uint8Array): Uint8Array {
    return hmac(this.hash, this.finishedKey(baseKey), transcriptHash);
  }

  verifyFinished(baseKey: Uint8Array, transcriptHash: Uint8Array, received: Uint8Array): boolean {
    return bytesEqual(this.verifyData(baseKey, transcriptHash), received);
  }
}

/**
 * RFC 8446 §7.5: TLS-Exporter(label, context_value, key_length) =
 * HKDF-Expand-Label(Derive-Secret(Secret, label, ""), "exporter", Hash(context_value), key_length).
 */
export function exportKeyingMaterial(
  hashName: HashName,
  exporterMasterSecret: Uint8Array,
  label: string,
  context: Uint8Array,
  length: number,
): Uint8Array {
  const empty = emptyHash(hashName);
  const secret = hkdfExpandLabel(
    hashName,
    exporterMasterSecret,
    label,
    empty,
    HASH_LENGTH[hashName],
  );
  return hkdfExpandLabel(hashName, secret, 'exporter', hash(hashName, context), length);
}

/** RFC 8446 §4.6.1: PSK = HKDF-Expand-Label(resumption_master_secret, "resumption", ticket_nonce, Hash.length). */
export function resumptionPsk(
  hashName: HashName,
  resumptionMasterSecret: Uint8Array,
  ticketNonce: Uint8Array,
): Uint8Array {
  return hkdfExpandLabel(
    hashName,
    resumptionMasterSecret,
    'resumption',
    ticketNonce,
    HASH_LENGTH[hashName],
  );
}
