// The raw UDP ceiling: node:dgram blasting 1200-byte datagrams from one
// process to another, no QUIC. Run as a forked child:
//   receiver [aead]           binds 127.0.0.1:0, reports { port }, then counts;
//                             on 'report' answers { bytes, datagrams, seconds, failed }
//   sender <port> <s> [aead]  sends for <s> seconds, keeping a bounded number of
//                             sends in flight, then reports { datagrams }
// With `aead` each datagram is also sealed by the sender and opened by the
// receiver with node:crypto AES-128-GCM, one cipher object per datagram as
// the node provider must (a fresh nonce each; OpenSSL cannot rekey a GCM
// context through the Node API): the floor a QUIC stack on node:dgram and
// node:crypto pays per datagram before any QUIC logic runs.
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import { createSocket } from 'node:dgram';

const DATAGRAM = 1200;
const IN_FLIGHT = 512;
/** A short header's worth of associated data (RFC 9001 §5.3: the header is the AAD). */
const HEADER = 20;
const TAG = 16;
const KEY = createSecretKey(Buffer.alloc(16, 0x5a));

// One nonce buffer per side: createCipheriv copies the IV, so it is reused.
const sealNonce = Buffer.alloc(12, 0x33);
const openNonce = Buffer.alloc(12, 0x33);

/**
 * Seals payload bytes [HEADER, DATAGRAM - TAG) of `datagram` for number `n`,
 * header as AAD. Returns the datagram as parts that dgram sends as one
 * (header, ciphertext, tag): nothing is copied together.
 */
function seal(datagram: Buffer, n: number): Buffer[] {
  // A header of its own: sends in flight still reference the earlier ones.
  const header = Buffer.allocUnsafe(HEADER);
  datagram.copy(header, 0, 0, HEADER);
  header.writeUInt32BE(n >>> 0, 0);
  sealNonce.writeUInt32BE(n >>> 0, 8);
  const cipher = createCipheriv('aes-128-gcm', KEY, sealNonce);
  cipher.setAAD(header);
  const body = cipher.update(datagram.subarray(HEADER, DATAGRAM - TAG));
  cipher.final();
  return [header, body, cipher.getAuthTag()];
}

/** True when `datagram` authenticates (the plaintext itself is discarded). */
function open(datagram: Buffer): boolean {
  try {
    openNonce.writeUInt32BE(datagram.readUInt32BE(0), 8);
    const decipher = createDecipheriv('aes-128-gcm', KEY, openNonce, { authTagLength: TAG });
    decipher.setAAD(datagram.subarray(0, HEADER));
    decipher.setAuthTag(datagram.subarray(datagram.length - TAG));
    decipher.update(datagram.subarray(HEADER, datagram.length - TAG));
    decipher.final();
    return true;
  } catch {
    return false;
  }
}

function send(message: object): void {
  process.send?.(message);
}

function receiver(aead: boolean): void {
  const socket = createSocket({ type: 'udp4', recvBufferSize: 4 * 1024 * 1024 });
  let bytes = 0;
  let datagrams = 0;
  let failed = 0;
  let first = 0;
  let last = 0;
  socket.on('message', (data) => {
    if (aead && !open(data)) failed++;
    last = performance.now();
    if (datagrams === 0) first = last;
    datagrams++;
    bytes += data.length;
  });
  socket.bind(0, '127.0.0.1', () => send({ port: socket.address().port }));
  process.on('message', () => {
    socket.close();
    process.send?.({ bytes, datagrams, failed, seconds: (last - first) / 1000 }, () =>
      process.exit(0),
    );
  });
}

function sender(port: number, seconds: number, aead: boolean): void {
  const socket = createSocket({ type: 'udp4', sendBufferSize: 4 * 1024 * 1024 });
  const payload = Buffer.alloc(DATAGRAM, 0xab);
  const deadline = performance.now() + seconds * 1000;
  let inFlight = 0;
  let datagrams = 0;
  let finished = false;
  const sent = (): void => {
    inFlight--;
    if (inFlight < IN_FLIGHT / 2) pump();
  };
  function pump(): void {
    if (finished) return;
    if (performance.now() > deadline) {
      finished = true;
      send({ datagrams });
      setTimeout(() => socket.close(), 50);
      return;
    }
    while (inFlight < IN_FLIGHT) {
      inFlight++;
      datagrams++;
      socket.send(aead ? seal(payload, datagrams) : payload, sent);
    }
  }
  socket.connect(port, '127.0.0.1', () => pump());
}

const [role, ...args] = process.argv.slice(2);
if (role === 'receiver') receiver(args[0] === 'aead');
else sender(Number(args[0]), Number(args[1] ?? 3), args[2] === 'aead');
