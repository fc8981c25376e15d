import { x25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { hash } from '../../../crypto/hkdf.js';
import { concatBytes, toHex } from '../../../crypto/tls/codec.js';
import { computeSharedSecret, NamedGroup } from '../../../crypto/tls/key-exchange.js';
import { KeySchedule, resumptionPsk } from '../../../crypto/tls/key-schedule.js';
import { Transcript } from '../../../crypto/tls/transcript.js';
import { traceField } from './trace-fixtures.js';

const SIMPLE = 'Simple 1-RTT Handshake';
const RESUMED = 'Resumed 0-RTT Handshake';
const hex = toHex;

function expanded(
  trace: typeof SIMPLE | typeof RESUMED,
  actor: 'client' | 'server',
  label: string,
) {
  return hex(traceField(trace, actor, `derive secret "tls13 ${label}"`, 'expanded'));
}

describe('key schedule: RFC 8448 simple 1-RTT handshake', () => {
  const ch = traceField(SIMPLE, 'client', 'construct a ClientHello', 'ClientHello');
  const sh = traceField(SIMPLE, 'server', 'construct a ServerHello', 'ServerHello');
  const ee = traceField(SIMPLE, 'server', 'construct a EncryptedExtensions', 'EncryptedExtensions');
  const cert = traceField(SIMPLE, 'server', 'construct a Certificate handshake', 'Certificate');
  const cv = traceField(SIMPLE, 'server', 'construct a CertificateVerify', 'CertificateVerify');
  const sfin = traceField(SIMPLE, 'server', 'construct a Finished', 'Finished');
  const cfin = traceField(SIMPLE, 'client', 'construct a Finished', 'Finished');

  const transcript = new Transcript();
  transcript.add(ch);
  transcript.setHash('sha256');
  transcript.add(sh);
  const helloHash = transcript.digest();
  transcript.add(ee);
  transcript.add(cert);
  transcript.add(cv);
  const beforeServerFinished = transcript.digest();
  transcript.add(sfin);
  const serverFinishedHash = transcript.digest();
  transcript.add(cfin);
  const clientFinishedHash = transcript.digest();

  const ks = new KeySchedule('sha256');
  const clientPrivate = traceField(SIMPLE, 'client', 'create an ephemeral x25519', 'private key');
  const serverPublic = traceField(SIMPLE, 'server', 'create an ephemeral x25519', 'public key');
  const shared = x25519.getSharedSecret(clientPrivate, serverPublic);

  it('derives the early secret', () => {
    expect(hex(ks.earlySecret)).toBe(
      hex(traceField(SIMPLE, 'server', 'extract secret "early"', 'secret')),
    );
  });

  it('computes the ECDHE secret and the handshake secret', () => {
    expect(hex(shared)).toBe(
      hex(traceField(SIMPLE, 'server', 'extract secret "handshake"', 'IKM')),
    );
    expect(hex(ks.enterHandshake(shared))).toBe(
      hex(traceField(SIMPLE, 'server', 'extract secret "handshake"', 'secret')),
    );
  });

  it('hashes the transcript incrementally as the trace does', () => {
    expect(hex(helloHash)).toBe(
      hex(traceField(SIMPLE, 'server', 'derive secret "tls13 c hs traffic"', 'hash')),
    );
    expect(hex(serverFinishedHash)).toBe(
      hex(traceField(SIMPLE, 'server', 'derive secret "tls13 c ap traffic"', 'hash')),
    );
    expect(hex(clientFinishedHash)).toBe(
      hex(traceField(SIMPLE, 'client', 'derive secret "tls13 res master"', 'hash')),
    );
  });

  it('derives handshake traffic secrets, master secret and application secrets', () => {
    expect(hex(ks.clientHandshakeTrafficSecret(helloHash))).toBe(
      expanded(SIMPLE, 'server', 'c hs traffic'),
    );
    expect(hex(ks.serverHandshakeTrafficSecret(helloHash))).toBe(
      expanded(SIMPLE, 'server', 's hs traffic'),
    );
    expect(hex(ks.enterMaster())).toBe(
      hex(traceField(SIMPLE, 'server', 'extract secret "master"', 'secret')),
    );
    expect(hex(ks.clientApplicationTrafficSecret(serverFinishedHash))).toBe(
      expanded(SIMPLE, 'server', 'c ap traffic'),
    );
    expect(hex(ks.serverApplicationTrafficSecret(serverFinishedHash))).toBe(
      expanded(SIMPLE, 'server', 's ap traffic'),
    );
    expect(hex(ks.exporterMasterSecret(serverFinishedHash))).toBe(
      expanded(SIMPLE, 'server', 'exp master'),
    );
    expect(hex(ks.resumptionMasterSecret(clientFinishedHash))).toBe(
      expanded(SIMPLE, 'client', 'res master'),
    );
  });

  it('derives the finished keys and both Finished messages', () => {
    const shs = ks.serverHandshakeTrafficSecret(helloHash);
    const chs = ks.clientHandshakeTrafficSecret(helloHash);
    expect(hex(ks.finishedKey(shs))).toBe(
      hex(traceField(SIMPLE, 'server', 'calculate finished', 'expanded')),
    );
    expect(hex(ks.finishedKey(chs))).toBe(
      hex(traceField(SIMPLE, 'client', 'calculate finished', 'expanded')),
    );
    expect(hex(ks.verifyData(shs, beforeServerFinished))).toBe(hex(sfin.subarray(4)));
    expect(hex(ks.verifyData(chs, serverFinishedHash))).toBe(hex(cfin.subarray(4)));
    expect(ks.verifyFinished(chs, serverFinishedHash, cfin.subarray(4))).toBe(true);
    const tampered = cfin.slice(4);
    tampered[0]! ^= 1;
    expect(ks.verifyFinished(chs, serverFinishedHash, tampered)).toBe(false);
  });

  it('derives the resumption PSK from the ticket nonce', () => {
    const rms = ks.resumptionMasterSecret(clientFinishedHash);
    const psk = resumptionPsk('sha256', rms, Uint8Array.from([0, 0]));
    expect(hex(psk)).toBe(
      hex(traceField(SIMPLE, 'server', 'generate resumption secret', 'expanded')),
    );
    expect(hex(psk)).toBe(hex(traceField(RESUMED, 'client', 'extract secret "early"', 'IKM')));
  });
});

describe('key schedule: RFC 8448 resumed 0-RTT handshake', () => {
  const psk = traceField(RESUMED, 'client', 'extract secret "early"', 'IKM');
  const ks = new KeySchedule('sha256', psk);
  const prefix = traceField(RESUMED, 'client', 'calculate PSK binder', 'ClientHello prefix');
  const ch = traceField(RESUMED, 'client', 'send handshake record', 'payload');
  const sh = traceField(RESUMED, 'server', 'construct a ServerHello', 'ServerHello');
  const ee = traceField(
    RESUMED,
    'server',
    'construct a EncryptedExtensions',
    'EncryptedExtensions',
  );
  const sfin = traceField(RESUMED, 'server', 'construct a Finished', 'Finished');
  const eoed = traceField(RESUMED, 'client', 'construct a EndOfEarlyData', 'EndOfEarlyData');
  const cfin = traceField(RESUMED, 'client', 'construct a Finished', 'Finished');

  it('derives the early secret from the PSK', () => {
    expect(hex(ks.earlySecret)).toBe(
      hex(traceField(RESUMED, 'client', 'extract secret "early"', 'secret')),
    );
  });

  it('computes the PSK binder over the truncated ClientHello', () => {
    const binderHash = hash('sha256', prefix);
    expect(hex(binderHash)).toBe(
      hex(traceField(RESUMED, 'client', 'calculate PSK binder', 'binder hash')),
    );
    const binderKey = ks.binderKey();
    expect(hex(binderKey)).toBe(hex(traceField(RESUMED, 'client', 'calculate PSK binder', 'PRK')));
    const binder = ks.verifyData(binderKey, binderHash);
    expect(hex(binder)).toBe(
      hex(traceField(RESUMED, 'client', 'calculate PSK binder', 'finished')),
    );
    // The full ClientHello is the prefix followed by the binders list carrying that binder.
    expect(hex(ch)).toBe(hex(concatBytes(prefix, Uint8Array.from([0, 33, 32]), binder)));
  });

  it('derives the client early traffic secret and the rest of the schedule', () => {
    const chHash = hash('sha256', ch);
    expect(hex(ks.clientEarlyTrafficSecret(chHash))).toBe(
      expanded(RESUMED, 'client', 'c e traffic'),
    );
    expect(hex(ks.earlyExporterMasterSecret(chHash))).toBe(
      expanded(RESUMED, 'client', 'e exp master'),
    );
    const clientPrivate = traceField(
      RESUMED,
      'client',
      'create an ephemeral x25519',
      'private key',
    );
    const serverPublic = traceField(RESUMED, 'server', 'create an ephemeral x25519', 'public key');
    ks.enterHandshake(x25519.getSharedSecret(clientPrivate, serverPublic));
    expect(hex(ks.handshakeSecret)).toBe(
      hex(traceField(RESUMED, 'server', 'extract secret "handshake"', 'secret')),
    );
    const t = new Transcript();
    t.setHash('sha256');
    t.add(ch);
    t.add(sh);
    const helloHash = t.digest();
    expect(hex(ks.clientHandshakeTrafficSecret(helloHash))).toBe(
      expanded(RESUMED, 'server', 'c hs traffic'),
    );
    expect(hex(ks.serverHandshakeTrafficSecret(helloHash))).toBe(
      expanded(RESUMED, 'server', 's hs traffic'),
    );
    t.add(ee);
    expect(hex(ks.verifyData(ks.serverHandshakeTrafficSecret(helloHash), t.digest()))).toBe(
      hex(sfin.subarray(4)),
    );
    t.add(sfin);
    const serverFinishedHash = t.digest();
    ks.enterMaster();
    expect(hex(ks.masterSecret)).toBe(
      hex(traceField(RESUMED, 'server', 'extract secret "master"', 'secret')),
    );
    expect(hex(ks.clientApplicationTrafficSecret(serverFinishedHash))).toBe(
      expanded(RESUMED, 'server', 'c ap traffic'),
    );
    expect(hex(ks.serverApplicationTrafficSecret(serverFinishedHash))).toBe(
      expanded(RESUMED, 'server', 's ap traffic'),
    );
    // Over TCP the client sends EndOfEarlyData before its Finished (QUIC does not: RFC 9001 §8.3).
    t.add(eoed);
    expect(hex(ks.verifyData(ks.clientHandshakeTrafficSecret(helloHash), t.digest()))).toBe(
      hex(cfin.subarray(4)),
    );
    t.add(cfin);
    expect(hex(ks.resumptionMasterSecret(t.digest()))).toBe(
      expanded(RESUMED, 'client', 'res master'),
    );
  });
});

describe('key schedule: RFC 8448 HelloRetryRequest handshake (P-256)', () => {
  const HRR = 'HelloRetryRequest';
  const ch1 = traceField(HRR, 'client', 'construct a ClientHello', 'ClientHello', 0);
  const hrr = traceField(HRR, 'server', 'construct a ServerHello', 'ServerHello', 0);
  const ch2 = traceField(HRR, 'client', 'construct a ClientHello', 'ClientHello', 1);
  const sh = traceField(HRR, 'server', 'construct a ServerHello', 'ServerHello', 1);

  it('replaces ClientHello1 by message_hash in the transcript (RFC 8446 §4.4.1)', () => {
    const t = new Transcript();
    t.add(ch1);
    t.setHash('sha256');
    t.replaceWithMessageHash();
    t.add(hrr);
    t.add(ch2);
    t.add(sh);
    expect(hex(t.digest())).toBe(
      hex(traceField(HRR, 'server', 'derive secret "tls13 c hs traffic"', 'hash')),
    );
  });

  it('computes the P-256 ECDHE secret (x-coordinate) and the handshake secret', () => {
    const ks = new KeySchedule('sha256');
    const share = {
      group: NamedGroup.secp256r1,
      privateKey: traceField(HRR, 'client', 'create an ephemeral P-256', 'private key'),
      publicKey: traceField(HRR, 'client', 'create an ephemeral P-256', 'public key'),
    };
    const serverPublic = traceField(HRR, 'server', 'create an ephemeral P-256', 'public key');
    const shared = computeSharedSecret(share, serverPublic);
    expect(hex(shared)).toBe(hex(traceField(HRR, 'server', 'extract secret "handshake"', 'IKM')));
    expect(hex(ks.enterHandshake(shared))).toBe(
      hex(traceField(HRR, 'server', 'extract secret "handshake"', 'secret')),
    );
  });
});
