// PEM ("textual encoding", RFC 7468): labelled base64 blocks. A strict
// decoder: any character outside the base64 alphabet and whitespace is an
// error, so a truncated or corrupted file is reported rather than half-read.

export interface PemBlock {
  readonly label: string;
  readonly der: Uint8Array;
}

export class PemError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'PemError';
  }
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DECODE = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** Strict base64 (RFC 4648 §4), ignoring whitespace. */
export function decodeBase64(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  if (clean.length % 4 !== 0) throw new PemError('base64 length is not a multiple of 4');
  const padding = clean.endsWith('==') ? 2 : clean.endsWith('=') ? 1 : 0;
  const out = new Uint8Array((clean.length / 4) * 3 - padding);
  let o = 0;
  for (let i = 0; i < clean.length; i += 4) {
    let chunk = 0;
    for (let j = 0; j < 4; j++) {
      const c = clean.charCodeAt(i + j);
      const isPad = c === 0x3d && i + j >= clean.length - padding;
      const v = isPad ? 0 : c < 128 ? DECODE[c]! : -1;
      if (v < 0) throw new PemError(`invalid base64 character at offset ${i + j}`);
      chunk = (chunk << 6) | v;
    }
    if (o < out.length) out[o++] = chunk >> 16;
    if (o < out.length) out[o++] = (chunk >> 8) & 0xff;
    if (o < out.length) out[o++] = chunk & 0xff;
  }
  return out;
}

export function encodeBase64(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i]!;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += ALPHABET[b0 >> 2];
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)];
    out += b1 === undefined ? '=' : ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)];
    out += b2 === undefined ? '=' : ALPHABET[b2 & 63];
  }
  return out;
}

/** One PEM block, lines of 64 characters (RFC 7468 §2). */
export function encodePem(label: string, der: Uint8Array): string {
  const body = encodeBase64(der).replace(/.{64}/g, '$&\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${body}\n-----END ${label}-----\n`;
}

export function pemText(input: string | Uint8Array): string {
  return typeof input === 'string'
    ? input
    : new TextDecoder('utf-8', { fatal: false }).decode(input);
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END ([A-Z0-9 ]+)-----/g;

/** Every PEM block in `text`, in order (text between blocks is ignored, RFC 7468 §2). */
export function decodePem(text: string, maxBlocks = 64): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const match of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = match;
    if (label !== endLabel) {
      throw new PemError(`PEM block "BEGIN ${label}" ends with "END ${endLabel}"`);
    }
    if (blocks.length >= maxBlocks) throw new PemError(`more than ${maxBlocks} PEM blocks`);
    if (/^\s*Proc-Type:/m.test(body!)) {
      throw new PemError(`PEM block ${label} is encrypted (Proc-Type header); decrypt it first`);
    }
    blocks.push({ label: label!, der: decodeBase64(body!) });
  }
  if (blocks.length === 0 && text.includes('-----BEGIN')) {
    throw new PemError('PEM block has a BEGIN line but no matching END line');
  }
  return blocks;
}
