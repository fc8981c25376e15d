// The system trust store: Node's bundled root certificates (node:tls
// rootCertificates, also provided by Deno and Bun), loaded lazily through
// process.getBuiltinModule so the package still loads where node:tls does
// not exist (there, pass `tls.ca`).
import { parsePemCertificates } from '../../crypto/tls/certificate.js';

let cached: Uint8Array[] | undefined;

export function systemTrustAnchors(): Uint8Array[] {
  if (cached) return cached;
  const getBuiltin = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
    .process?.getBuiltinModule;
  const tls = getBuiltin?.('node:tls') as { rootCertificates?: readonly string[] } | undefined;
  cached = [];
  for (const pem of tls?.rootCertificates ?? []) {
    try {
      cached.push(...parsePemCertificates(pem));
    } catch {
      // A root this parser cannot read is skipped, not fatal.
    }
  }
  return cached;
}
