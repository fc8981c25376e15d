// A connection ID and its stateless reset token stored together: one buffer
// and two views instead of two buffers. An endpoint holds several of each
// per connection for the connection's whole life (RFC 9000 §5.1), so on a
// server with many idle connections the second ArrayBuffer is worth saving.
// Copying also detaches the values from the datagram a frame was parsed from.

export interface PackedConnectionId {
  readonly cid: Uint8Array;
  readonly resetToken: Uint8Array;
}

export function packConnectionId(cid: Uint8Array, resetToken: Uint8Array): PackedConnectionId {
  const both = new Uint8Array(cid.length + resetToken.length);
  both.set(cid);
  both.set(resetToken, cid.length);
  return { cid: both.subarray(0, cid.length), resetToken: both.subarray(cid.length) };
}
