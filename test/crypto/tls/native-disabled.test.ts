// The suites of the files with a native path, run again with node:crypto
// switched off, so the pure fallback (what runs where node:crypto does not
// exist) stays covered by every one of their tests. Order matters: the switch
// is set before the suites are imported.
import './native-force-pure.js';
import { describe, expect, it } from 'vitest';
import { tlsPublicKeyCrypto } from '../../../crypto/tls/native-tls-crypto.js';
import './signature.test.js';
import './private-key.test.js';
import './key-exchange.test.js';
import './handshake.test.js';

describe('native-disabled', () => {
  it('runs the imported suites on the pure code', () => {
    expect(tlsPublicKeyCrypto()).toBe('pure');
  });
});
