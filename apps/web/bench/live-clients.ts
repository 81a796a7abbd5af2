/**
 * The client side of `npm run bench:live`, in a process of its own so the web node's CPU and
 * memory are its own. Started with IPC by live.bench.ts; it answers on process.send.
 *
 * A few "probe" clients are real socket.io-client instances that parse every delta and report,
 * per row, the bench batch it came from (heartbeats carry it in uptimeS, alerts in the title), so
 * the driver can compute latency from that batch's 202. The rest speak the Engine.IO/Socket.IO
 * wire protocol over a bare WebSocket and only count frames and bytes: a thousand clients that
 * each JSON-parse every delta would measure this process's CPU, not the web node's.
 */
import { performance } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import WebSocket from 'ws';
import type { RowPatches } from '../src/lib/live/row-patches.ts';

type Msg =
  | { cmd: 'connect'; url: string; tenant: string; clients: number; probes: number; views: string[] }
  | { cmd: 'reset' }
  | { cmd: 'report' }
  | { cmd: 'raw'; url: string; clients: number }
  | { cmd: 'close' };

const sockets: { close: () => void }[] = [];
let frames = 0;
let bytes = 0;
let rows = 0;
/** How often the server dropped a client from a view to resync (it fell too far behind). */
let resyncs = 0;
/** [receivedAt (epoch ms), batch] pairs seen by probes. */
let receipts: [number, number][] = [];

const now = () => performance.timeOrigin + performance.now();

function probe(url: string, tenant: string, views: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const s: Socket = io(`${url}/live`, { transports: ['websocket'], reconnection: false });
    sockets.push({ close: () => s.close() });
    s.on('delta', (d: { view: string; rows: Record<string, unknown>[]; patches?: RowPatches[] }) => {
      const at = now();
      frames++;
      rows += d.rows.length;
      for (const r of d.rows) {
        const batch = d.view === 'fleet' ? Number(r.uptimeS) : Number(/#(\d+)/.exec(String(r.title))?.[1]);
        if (Number.isFinite(batch)) receipts.push([at, batch]);
      }
      // Patched rows (fleet): a heartbeat always changes uptimeS, which carries the batch.
      for (const p of d.patches ?? []) {
        rows += p.keys.length;
        const j = p.fields.indexOf('uptimeS');
        if (j >= 0) for (const v of p.values) receipts.push([at, Number(v[j])]);
      }
    });
    s.on('resync', (target: { view: string; tenant: string }) => {
      resyncs++;
      void s.emitWithAck('subscribe', target);
    });
    s.on('connect_error', reject);
    s.on('connect', () => {
      void (async () => {
        for (const view of views) {
          const res = (await s.timeout(60_000).emitWithAck('subscribe', { view, tenant })) as {
            ok: boolean;
            error?: string;
          };
          if (!res.ok) throw new Error(res.error);
        }
      })().then(resolve, reject);
    });
  });
}

/** A Socket.IO client in ~30 lines of wire protocol: connect /live, subscribe, answer pings, count. */
function counter(url: string, tenant: string, views: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    sockets.push({ close: () => ws.close() });
    let acks = 0;
    // Fail fast rather than hold the machine: a subscription that takes this long is a failure.
    const timer = setTimeout(
      () => reject(new Error('a client did not get its subscriptions within 60 s')),
      60_000,
    );
    ws.on('error', reject);
    ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) return;
      const head = data[0];
      if (head === 0x32 /* 2: ping */) return ws.send('3');
      if (head === 0x30 /* 0: open */) return ws.send('40/live,');
      const text = data.length < 64 ? data.toString() : data.subarray(0, 24).toString();
      if (text.startsWith('40/live,')) {
        views.forEach((view, i) => ws.send(`42/live,${i}${JSON.stringify(['subscribe', { view, tenant }])}`));
        return;
      }
      // An ack (Engine.IO message 4, then Socket.IO ack 3), or a snapshot's: a binary ack (6)
      // with one attachment, which follows as a binary frame.
      if (text.startsWith('43/live,') || text.startsWith('461-/live,')) {
        if (++acks === views.length) {
          clearTimeout(timer);
          resolve();
        }
        return;
      }
      if (text.startsWith('42/live,["resync"')) {
        resyncs++;
        const [, target] = JSON.parse(data.subarray('42/live,'.length).toString()) as [string, unknown];
        return ws.send(`42/live,${JSON.stringify(['subscribe', target])}`);
      }
      if (text.startsWith('42/live,["delta"')) {
        frames++;
        bytes += data.length;
      }
    });
  });
}

/** For the ceiling: bare clients of a bare Socket.IO server (default namespace), counting. */
function rawCounter(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`, {
      perMessageDeflate: false,
    });
    sockets.push({ close: () => ws.close() });
    ws.on('error', reject);
    ws.on('message', (data: Buffer) => {
      const head = data[0];
      if (head === 0x32) return ws.send('3');
      if (head === 0x30) return ws.send('40');
      if (data.length > 8 && data[0] === 0x34 && data[1] === 0x32) {
        frames++;
        bytes += data.length;
        return;
      }
      if (data.toString().startsWith('40')) resolve();
    });
  });
}

async function inBatches(n: number, start: (i: number) => Promise<void>) {
  // Connect 50 at a time: a thousand snapshots at once would measure the stampede, not the steady state.
  for (let i = 0; i < n; i += 50)
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => start(i + j)));
}

process.on('message', async (msg: Msg) => {
  try {
    switch (msg.cmd) {
      case 'connect':
        await inBatches(msg.clients, (i) =>
          i < msg.probes ? probe(msg.url, msg.tenant, msg.views) : counter(msg.url, msg.tenant, msg.views),
        );
        process.send!({ ok: true });
        break;
      case 'raw':
        await inBatches(msg.clients, () => rawCounter(msg.url));
        process.send!({ ok: true });
        break;
      case 'reset':
        frames = bytes = rows = resyncs = 0;
        receipts = [];
        process.send!({ ok: true });
        break;
      case 'report':
        process.send!({ ok: true, frames, bytes, rows, receipts, resyncs });
        break;
      case 'close':
        for (const s of sockets.splice(0)) s.close();
        process.send!({ ok: true });
        break;
    }
  } catch (err) {
    process.send!({ ok: false, error: String(err) });
  }
});
