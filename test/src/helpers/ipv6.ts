import { createSocket } from 'node:dgram';

/** Whether this machine can bind UDP on ::1 (checked once, at import). */
export const hasIPv6Loopback: boolean = await new Promise<boolean>((resolve) => {
  const socket = createSocket('udp6');
  socket.once('error', () => {
    socket.close();
    resolve(false);
  });
  socket.bind(0, '::1', () => {
    socket.close();
    resolve(true);
  });
});
