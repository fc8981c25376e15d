// The handshake transcript hash (RFC 8446 §4.4.1), kept incrementally. The
// client sends its ClientHello before it knows the suite (and so the hash):
// messages are held until the hash is chosen, then hashed as they arrive.
import { HASH_LENGTH, type HashName, hash, type RunningHash, runningHash } from '../hkdf.js';
import { HandshakeType } from './messages.js';

export class Transcript {
  private pending: Uint8Array[] = [];
  private hasher: RunningHash | undefined;
  private hashName: HashName | undefined;

  get hash(): HashName | undefined {
    return this.hashName;
  }

  add(message: Uint8Array): void {
    if (this.hasher) this.hasher.update(message);
    else this.pending.push(message);
  }

  /** Fixes the hash (once the suite is known) and hashes what was held. */
  setHash(name: HashName): void {
    if (this.hashName === name) return;
    if (this.hashName) throw new Error('transcript: hash already chosen');
    this.hashName = name;
    this.hasher = runningHash(name);
    for (const m of this.pending) this.hasher.update(m);
    this.pending = [];
  }

  /** Transcript-Hash of everything added so far. */
  digest(): Uint8Array {
    if (!this.hasher) throw new Error('transcript: hash not chosen yet');
    return this.hasher.digest();
  }

  /** Transcript-Hash of everything so far followed by `extra`, without adding it (PSK binders). */
  digestWith(extra: Uint8Array): Uint8Array {
    if (!this.hasher) throw new Error('transcript: hash not chosen yet');
    return this.hasher.digest(extra);
  }

  /**
   * RFC 8446 §4.4.1: after a HelloRetryRequest, ClientHello1 is replaced by
   * message_hash(254) 00 00 Hash.length Hash(ClientHello1). Call with only
   * ClientHello1 in the transcript.
   */
  replaceWithMessageHash(): void {
    const h = this.digest();
    const name = this.hashName!;
    const header = Uint8Array.from([HandshakeType.message_hash, 0, 0, HASH_LENGTH[name]]);
    this.hasher = runningHash(name);
    this.hasher.update(header);
    this.hasher.update(h);
  }
}

/** Transcript-Hash of explicit messages, for checks that need a one-off hash (binders). */
export function transcriptHashOf(name: HashName, ...messages: Uint8Array[]): Uint8Array {
  const h = runningHash(name);
  for (const m of messages) h.update(m);
  return h.digest();
}

export { hash };
