import type { ViewDelta, ViewName, ViewRows } from '@pulse/events';
import { beginLoading, initialSync, receiveDelta, receiveSnapshot, type SyncState } from './view-sync.ts';
import type { LiveSocket } from './socket.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

const subscribeTimeoutMs = 10_000;

/**
 * One tenant's view kept live: a snapshot in the subscribe ack, then deltas after its position.
 * On every (re)connect it subscribes again and takes a fresh snapshot; until that arrives the
 * rows it has stay on screen, marked stale since the moment they stopped being live.
 */
export class LiveView<V extends ViewName> {
  #sync = $state.raw<SyncState<V>>(initialSync());
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;

  connection = $state<ConnectionState>('connecting');
  /** When the rows on screen stopped being live; null while live or before the first snapshot. */
  staleSince = $state<Date | null>(null);
  rows: ViewRows[V][] = $derived([...(this.#sync.data?.rows.values() ?? [])]);
  position: number | null = $derived(this.#sync.data?.position ?? null);
  loaded = $derived(this.#sync.data !== undefined);

  constructor(
    readonly view: V,
    readonly tenant: string,
    private readonly socket?: LiveSocket,
  ) {
    if (!socket) return;
    socket.on('connect', () => this.#subscribe());
    socket.on('disconnect', () => this.#lost());
    socket.on('delta', (delta) => {
      if (delta.view !== view || delta.tenant !== tenant) return;
      this.#sync = receiveDelta(this.#sync, delta as ViewDelta<V>);
    });
    if (socket.connected) this.#subscribe();
  }

  #subscribe() {
    const socket = this.socket!;
    clearTimeout(this.#retry);
    const attempt = ++this.#attempt;
    this.#sync = beginLoading(this.#sync);
    socket
      .timeout(subscribeTimeoutMs)
      .emit('subscribe', { view: this.view, tenant: this.tenant }, (err, res) => {
        // A reconnect may have started a newer subscription meanwhile; only the latest one counts.
        if (attempt !== this.#attempt) return;
        if (err || !res.ok) {
          console.warn(
            `live ${this.tenant}:${this.view}: subscribe failed: ${err?.message ?? (res.ok ? '' : res.error)}`,
          );
          this.#lost();
          if (socket.connected)
            this.#retry = setTimeout(() => this.#subscribe(), 2000 + Math.random() * 2000);
          return;
        }
        this.#sync = receiveSnapshot(this.#sync, res.snapshot as typeof res.snapshot & { view: V });
        this.connection = 'live';
        this.staleSince = null;
      });
  }

  #lost() {
    if (this.connection === 'live') this.staleSince = new Date();
    if (this.connection !== 'connecting' || this.loaded) this.connection = 'reconnecting';
  }
}
