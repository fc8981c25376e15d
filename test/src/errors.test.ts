import { describe, expect, it } from 'vitest';
import { SocketError, toSocketError } from '../../src/errors.js';

describe('SocketError', () => {
  it('carries a code, a type (transport by default) and a message', () => {
    const error = new SocketError('boom', { code: 'EMSGSIZE' });
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('SocketError');
    expect(error.code).toBe('EMSGSIZE');
    expect(error.type).toBe('transport');
    expect(error.message).toBe('boom');
    const quic = new SocketError('app closed', { code: 2n ** 62n - 1n, type: 'application' });
    expect(quic.code).toBe(2n ** 62n - 1n);
    expect(quic.type).toBe('application');
  });

  it('wraps other errors keeping their code and cause', () => {
    const cause = Object.assign(new Error('in use'), { code: 'EADDRINUSE' });
    const wrapped = toSocketError(cause, 'cannot bind');
    expect(wrapped.code).toBe('EADDRINUSE');
    expect(wrapped.message).toBe('cannot bind: in use');
    expect(wrapped.cause).toBe(cause);
    expect(toSocketError('odd', 'x').code).toBe('EIO');
    expect(toSocketError(wrapped, 'again')).toBe(wrapped);
  });
});
