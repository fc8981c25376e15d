// Choosing a crypto provider: `node` (native, fast) automatically where
// node:crypto exists, `pure` everywhere else, or either by name. The TLS
// handshake's public-key work (signatures, ECDHE) has its own process-wide
// switch, re-exported here: setTlsPublicKeyCrypto('auto' | 'pure' | 'node').
import type { CryptoProvider } from './crypto-provider.js';
import { createNodeCryptoProvider, loadNodeCrypto } from './node-provider.js';
import { pureCryptoProvider } from './pure-provider.js';

export type CryptoProviderChoice = 'auto' | 'pure' | 'node';

let nodeProvider: CryptoProvider | null | undefined;

/** The node:crypto provider, or null where the runtime has no node:crypto. */
export function nodeCryptoProvider(): CryptoProvider | null {
  if (nodeProvider === undefined) {
    const crypto = loadNodeCrypto();
    nodeProvider = crypto ? createNodeCryptoProvider(crypto) : null;
  }
  return nodeProvider;
}

export {
  setTlsPublicKeyCrypto,
  type TlsPublicKeyCryptoChoice,
  tlsPublicKeyCrypto,
} from './tls/native-tls-crypto.js';
export { pureCryptoProvider };

/**
 * `auto` (the default): node where available, else pure. Asking for `node`
 * where node:crypto does not exist is an error, not a silent fallback.
 */
export function getCryptoProvider(choice: CryptoProviderChoice = 'auto'): CryptoProvider {
  switch (choice) {
    case 'pure':
      return pureCryptoProvider;
    case 'node': {
      const provider = nodeCryptoProvider();
      if (!provider) {
        throw new TypeError('cryptoProvider: "node" requested but this runtime has no node:crypto');
      }
      return provider;
    }
    case 'auto':
      return nodeCryptoProvider() ?? pureCryptoProvider;
    default:
      throw new TypeError(
        `cryptoProvider: expected 'auto', 'pure' or 'node', got ${String(choice as unknown)}`,
      );
  }
}
