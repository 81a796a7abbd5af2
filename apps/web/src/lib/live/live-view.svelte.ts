import type { ViewDelta, ViewName, ViewRows, ViewSnapshot } from '@pulse/events';
import {
  beginLoading,
  initialSync,
  receiveDeltas,
  receiveResume,
  receiveSnapshot,
  type SyncState,
} from './view-sync.ts';
import type { LiveSocket } from './socket.ts';

export type ConnectionState = 'connecting' | 'live' | 'reconnecting';

const subscribeTimeoutMs = 15_000;

/** Once per animation frame; a hidden tab gets no frames, so a timer stands in (browsers slow it to 1 s). */
function nextFrame(run: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    run();
  };
  if (typeof requestAnimationFrame === 'function') requestAnimationFrame(once);
  setTimeout(once, 250);
}

/**
 * One tenant's view kept live: a snapshot (or, on a reconnect, just the deltas missed since the
 * position we had), then deltas after its position, applied once per animation frame. Until a
 * (re)subscription answers, the rows it has stay on screen, marked stale since the moment they
 * stopped being live.
 */
export class LiveView<V extends ViewName> {
  #sync = $state.raw<SyncState<V>>(initialSync());
  #attempt = 0;
  #retry: ReturnType<typeof setTimeout> | undefined;
  #queued: ViewDelta<V>[] = [];

  connection = $state<ConnectionState>('connecting');
  /** When the rows on screen stopped being live; null while live or before the first snapshot. */
  staleSince = $state<Date | null>(null);
  /** How the last (re)subscription was answered; tests and the footer read it. */
  lastSync = $state<'snapshot' | 'resume' | null>(null);
  rowMap: ReadonlyMap<string, ViewRows[V]> = $derived(this.#sync.data?.rows ?? new Map());
  rows: ViewRows[V][] = $derived([...this.rowMap.values()]);
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
      if (this.#queued.push(delta as ViewDelta<V>) === 1) nextFrame(() => this.#applyQueued());
    });
    if (socket.connected) this.#subscribe();
  }

  #applyQueued() {
    if (this.#queued.length === 0) return;
    const deltas = this.#queued;
    this.#queued = [];
    this.#sync = receiveDeltas(this.#sync, deltas);
  }

  #subscribe() {
    const socket = this.socket!;
    clearTimeout(this.#retry);
    this.#applyQueued();
    const attempt = ++this.#attempt;
    const since = this.#sync.data?.position;
    this.#sync = beginLoading(this.#sync);
    socket
      .timeout(subscribeTimeoutMs)
      .emit('subscribe', { view: this.view, tenant: this.tenant, since }, (err, res) => {
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
        this.#applyQueued();
        if (res.mode === 'resume') {
          const resumed = receiveResume(this.#sync, res.since, res.deltas as ViewDelta<V>[]);
          // Our rows moved on since we asked (cannot happen while loading, but never guess): start over.
          if (!resumed) return this.#subscribeFresh();
          this.#sync = resumed;
        } else {
          this.#sync = receiveSnapshot(this.#sync, res.snapshot as ViewSnapshot<V>);
        }
        this.lastSync = res.mode;
        this.connection = 'live';
        this.staleSince = null;
      });
  }

  #subscribeFresh() {
    this.#sync = initialSync();
    this.#subscribe();
  }

  #lost() {
    if (this.connection === 'live') this.staleSince = new Date();
    if (this.connection !== 'connecting' || this.loaded) this.connection = 'reconnecting';
  }
}
