// The random source the shell injects into the QUIC core: the runtime's
// CSPRNG (WebCrypto getRandomValues, present in Node.js, Deno and Bun).
// Drawn in blocks to keep per-call overhead low (connection IDs, packet
// number skips and TLS randoms ask for a few bytes at a time).
const BLOCK = 4096;
const MAX_GET_RANDOM_VALUES = 65536;
let pool = new Uint8Array(0);
let offset = 0;

export function secureRandom(n: number): Uint8Array {
  if (n > BLOCK) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i += MAX_GET_RANDOM_VALUES) {
      crypto.getRandomValues(out.subarray(i, Math.min(n, i + MAX_GET_RANDOM_VALUES)));
    }
    return out;
  }
  if (offset + n > pool.length) {
    pool = crypto.getRandomValues(new Uint8Array(BLOCK));
    offset = 0;
  }
  const out = pool.slice(offset, offset + n);
  offset += n;
  return out;
}
