import { browser } from '$app/environment';
import type { ViewName } from '@pulse/events';
import { LiveView, type ConnectionState } from './live-view.svelte.ts';
import { liveSocket } from './socket.ts';

const maxKeyedViews = 4;

class LiveViews {
  #all: LiveView<ViewName>[] = [];
  /** The same list as state; pages open views inside `$derived`, where state must not change, so it follows a tick later. */
  #views = $state.raw<LiveView<ViewName>[]>([]);

  /** The worst state of any view on screen: the header shows one truth for the whole page. */
  connection: ConnectionState = $derived.by(() => {
    const states = this.#views.map((v) => v.connection);
    if (states.includes('reconnecting')) return 'reconnecting';
    if (states.length === 0 || states.includes('connecting')) return 'connecting';
    return 'live';
  });
  /** When the first of them stopped being live. */
  staleSince: Date | null = $derived(
    this.#views.reduce<Date | null>(
      (min, v) => (v.staleSince && (!min || v.staleSince < min) ? v.staleSince : min),
      null,
    ),
  );

  get(view: ViewName, tenant: string, key?: string): LiveView<ViewName> {
    let live = this.#all.find((v) => v.view === view && v.tenant === tenant && v.key === key);
    if (!live) {
      live = new LiveView(view, tenant, key, liveSocket());
      this.#all.push(live);
      // Views per subject (a machine's telemetry) come and go as the user clicks: keep a few.
      const keyed = this.#all.filter((v) => v.key !== undefined);
      for (const old of keyed.slice(0, Math.max(0, keyed.length - maxKeyedViews))) {
        old.dispose();
        this.#all.splice(this.#all.indexOf(old), 1);
      }
      queueMicrotask(() => (this.#views = [...this.#all]));
    }
    return live;
  }
}

const shared = browser ? new LiveViews() : undefined;

/**
 * The live view of one tenant, shared by every page that shows it, so moving between pages keeps
 * one subscription. On the server it is an empty, unconnected view (pages render their shell).
 */
export function liveView<V extends ViewName>(view: V, tenant: string, key?: string): LiveView<V> {
  if (!shared) return new LiveView(view, tenant, key);
  return shared.get(view, tenant, key) as unknown as LiveView<V>;
}

/** The page's connection state across every live view it has opened. */
export function liveStatus(): { connection: ConnectionState; staleSince: Date | null } {
  return shared ?? { connection: 'connecting', staleSince: null };
}
