import type { ViewName, ViewRows, ViewSnapshot } from '@pulse/events';
import {
  beginLoading,
  initialSync,
  receiveDeltas,
  receiveResume,
  receiveSnapshot,
  type SyncState,
} from './view-sync.ts';
import { decodeSnapshot, type KeyedDelta } from './protocol.ts';
import { PatchBaseMissing } from './row-patches.ts';
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
  #queued: KeyedDelta<V>[] = [];
  #waiters: { position: number; resolve: () => void }[] = [];

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
    /** For views split by subject (telemetry): which one. */
    readonly key: string | undefined,
    private readonly socket?: LiveSocket,
  ) {
    if (!socket) return;
    socket.on('connect', this.#onConnect);
    socket.on('disconnect', this.#onDisconnect);
    socket.on('delta', this.#onDelta);
    socket.on('resync', this.#onResync);
    if (socket.connected) this.#subscribe();
  }

  #onConnect = () => this.#subscribe();
  #onDisconnect = () => this.#lost();
  #onDelta = (delta: KeyedDelta) => {
    if (delta.view !== this.view || delta.tenant !== this.tenant || delta.key !== this.key) return;
    if (this.#queued.push(delta as KeyedDelta<V>) === 1) nextFrame(() => this.#applyQueued());
  };

  /** The server stopped sending us this view's deltas (we fell behind): pick up from our position. */
  #onResync = (target: { view: string; tenant: string; key?: string }) => {
    if (target.view === this.view && target.tenant === this.tenant && target.key === this.key)
      this.#subscribe();
  };

  /** Stops following the view (a detail panel closed): the server leaves its room. */
  dispose(): void {
    const socket = this.socket;
    if (!socket) return;
    clearTimeout(this.#retry);
    this.#attempt++;
    socket.off('connect', this.#onConnect);
    socket.off('disconnect', this.#onDisconnect);
    socket.off('delta', this.#onDelta);
    socket.off('resync', this.#onResync);
    if (socket.connected) socket.emit('unsubscribe', { view: this.view, tenant: this.tenant, key: this.key });
  }

  #set(state: SyncState<V>) {
    this.#sync = state;
    const position = state.phase === 'synced' ? state.data.position : -1;
    if (this.#waiters.length === 0 || position < 0) return;
    this.#waiters = this.#waiters.filter((w) => (w.position <= position ? (w.resolve(), false) : true));
  }

  /** Resolves once the rows on screen include `position` (a command's result, say). */
  waitFor(position: number): Promise<void> {
    if (this.#sync.phase === 'synced' && this.#sync.data.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ position, resolve }));
  }

  /** False when what was queued could not be applied and a fresh subscription has started. */
  #applyQueued(): boolean {
    if (this.#queued.length === 0) return true;
    const deltas = this.#queued;
    this.#queued = [];
    return this.#apply(() => receiveDeltas(this.#sync, deltas));
  }

  /**
   * Sets what `next` computes; when it cannot be computed from our rows, starts over from a
   * snapshot: `next` gave undefined, or a patch named a row we lack (never expected, but a wrong
   * row must not stay on screen).
   */
  #apply(next: () => SyncState<V> | undefined): boolean {
    let state: SyncState<V> | undefined;
    try {
      state = next();
    } catch (err) {
      if (!(err instanceof PatchBaseMissing)) throw err;
      console.warn(`live ${this.tenant}:${this.view}: ${err.message}; taking a fresh snapshot`);
    }
    if (!state) {
      this.#subscribeFresh();
      return false;
    }
    this.#set(state);
    return true;
  }

  #subscribe() {
    const socket = this.socket!;
    clearTimeout(this.#retry);
    if (!this.#applyQueued()) return;
    const attempt = ++this.#attempt;
    const since = this.#sync.data?.position;
    this.#set(beginLoading(this.#sync));
    socket
      .timeout(subscribeTimeoutMs)
      .emit('subscribe', { view: this.view, tenant: this.tenant, key: this.key, since }, (err, res) => {
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
        const applied = this.#apply(() =>
          res.mode === 'resume'
            ? // undefined when our rows moved on since we asked (cannot happen while loading, but never guess)
              receiveResume(this.#sync, res.since, res.deltas as KeyedDelta<V>[])
            : receiveSnapshot(this.#sync, decodeSnapshot(res.snapshot) as ViewSnapshot<V>),
        );
        if (!applied) return;
        this.lastSync = res.mode;
        this.connection = 'live';
        this.staleSince = null;
      });
  }

  #subscribeFresh() {
    this.#set(initialSync());
    this.#subscribe();
  }

  #lost() {
    if (this.connection === 'live') this.staleSince = new Date();
    if (this.connection !== 'connecting' || this.loaded) this.connection = 'reconnecting';
  }
}
