// Imported first by native-disabled.test.ts: forces the pure TLS public-key
// code for the whole test file (vitest gives each test file its own modules),
// before the suites it then imports register their tests.
import { setTlsPublicKeyCrypto } from '../../../crypto/tls/native-tls-crypto.js';

setTlsPublicKeyCrypto('pure');
