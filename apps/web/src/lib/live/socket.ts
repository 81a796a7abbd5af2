import { io, type Socket } from 'socket.io-client';
import type { LiveClientToServer, LiveServerToClient } from './protocol.ts';

export type LiveSocket = Socket<LiveServerToClient, LiveClientToServer>;

let socket: LiveSocket | undefined;

/**
 * The page's one Socket.IO connection, opened on first use; every live view shares it.
 * WebSocket only: any web node behind a plain load balancer can serve it, with no sticky sessions.
 */
export function liveSocket(): LiveSocket {
  if (socket) return socket;
  const s: LiveSocket = io('/live', { transports: ['websocket'] });
  s.on('disconnect', (reason) => {
    // Socket.IO reconnects by itself except when the server dropped us on purpose (its bus went
    // down, or it is shutting down); come back after a jittered pause so clients do not stampede.
    if (reason === 'io server disconnect') setTimeout(() => s.connect(), 1000 + Math.random() * 2000);
  });
  socket = s;
  // Browser tests cut the connection through this to prove a reconnect resumes without a gap.
  (globalThis as { __pulseLive?: LiveSocket }).__pulseLive = s;
  return s;
}
