import * as nodeCrypto from 'node:crypto';
import { getCiphers } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hkdfExpandLabel } from '../../crypto/hkdf.js';
import { createNodeCryptoProvider, loadNodeCrypto } from '../../crypto/node-provider.js';
import {
  getCryptoProvider,
  nodeCryptoProvider,
  pureCryptoProvider,
} from '../../crypto/providers.js';
import { versionCryptoParameters } from '../../crypto/version-parameters.js';
import { hex, RFC9001_VECTORS, toHex } from './quic-vectors.js';

describe('crypto provider selection', () => {
  it('auto picks node where node:crypto exists; pure and node by name', () => {
    expect(getCryptoProvider().name).toBe('node');
    expect(getCryptoProvider('auto').name).toBe('node');
    expect(getCryptoProvider('pure')).toBe(pureCryptoProvider);
    expect(getCryptoProvider('node')).toBe(nodeCryptoProvider());
  });

  it('rejects an unknown choice with a TypeError naming it', () => {
    expect(() => getCryptoProvider('webcrypto' as never)).toThrow(/webcrypto/);
    expect(() => getCryptoProvider('webcrypto' as never)).toThrow(TypeError);
  });

  it('finds node:crypto through process.getBuiltinModule, and nothing without it', () => {
    expect(loadNodeCrypto()?.createCipheriv).toBe(nodeCrypto.createCipheriv);
    const proc = globalThis.process as { getBuiltinModule?: unknown };
    const saved = proc.getBuiltinModule;
    try {
      proc.getBuiltinModule = undefined;
      expect(loadNodeCrypto()).toBeUndefined();
      proc.getBuiltinModule = () => {
        throw new Error('no such module');
      };
      expect(loadNodeCrypto()).toBeUndefined();
    } finally {
      proc.getBuiltinModule = saved;
    }
  });

  it('a node:crypto without a primitive falls back to pure for it, with the same output', () => {
    const lacking = {
      ...nodeCrypto,
      getCiphers: () => getCiphers().filter((c) => !/chacha|ecb/.test(c)),
    };
    const provider = createNodeCryptoProvider(lacking as typeof nodeCrypto, {
      nativeHeaderProtection: true,
    });
    const c = RFC9001_VECTORS.chacha;
    const aead = provider.createAead(0x1303, hex(c.key), hex(c.iv));
    const buf = new Uint8Array(4 + 1 + 16);
    buf.set(hex(c.header));
    buf[4] = 1;
    aead.seal(c.packetNumber, buf, 0, 4, 5);
    expect(toHex(buf.subarray(4))).toBe(c.ciphertext);
    expect(
      toHex(
        provider.createHeaderProtector(0x1303, hex(c.hp)).mask(hex(c.sample), 0).subarray(0, 5),
      ),
    ).toBe(c.mask);
    expect(
      toHex(
        provider
          .createHeaderProtector(0x1301, hex(RFC9001_VECTORS.client.hp))
          .mask(hex(RFC9001_VECTORS.clientSample), 0)
          .subarray(0, 5),
      ),
    ).toBe(RFC9001_VECTORS.clientMask);
  });
});

describe('node provider header protection', () => {
  it('is native only when asked, and then matches the pure mask', () => {
    const v = RFC9001_VECTORS;
    for (const nativeHeaderProtection of [false, true]) {
      const provider = createNodeCryptoProvider(nodeCrypto, { nativeHeaderProtection });
      const hp = provider.createHeaderProtector(0x1301, hex(v.client.hp));
      expect(hp.constructor.name).toBe(
        nativeHeaderProtection ? 'NodeAesHeaderProtector' : 'PureAesHeaderProtector',
      );
      expect(toHex(hp.mask(hex(v.clientSample), 0).subarray(0, 5))).toBe(v.clientMask);
    }
  });
});

describe('version parameters', () => {
  it('Retry keys and nonces are HKDF-Expand-Label of the published secrets', () => {
    // RFC 9001 §5.8 and RFC 9369 §3.3.3 give the secret the fixed key and nonce derive from.
    const cases = [
      [1, 'd9c9943e6101fd200021506bcc02814c73030f25c79d71ce876eca876e6fca8e', 'quic'],
      [0x6b3343cf, 'c4dd2484d681aefa4ff4d69c2c20299984a765a5d3c31982f38fc74162155e9f', 'quicv2'],
    ] as const;
    for (const [version, secret, prefix] of cases) {
      const params = versionCryptoParameters(version)!;
      const s = hex(secret);
      expect(toHex(params.retryKey)).toBe(
        toHex(hkdfExpandLabel('sha256', s, `${prefix} key`, new Uint8Array(0), 16)),
      );
      expect(toHex(params.retryNonce)).toBe(
        toHex(hkdfExpandLabel('sha256', s, `${prefix} iv`, new Uint8Array(0), 12)),
      );
    }
    expect(versionCryptoParameters(0)).toBeUndefined();
  });
});
