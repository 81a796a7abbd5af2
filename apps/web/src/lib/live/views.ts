import { browser } from '$app/environment';
import type { ViewName } from '@pulse/events';
import { LiveView } from './live-view.svelte.ts';
import { liveSocket } from './socket.ts';

const views = new Map<string, LiveView<ViewName>>();

/**
 * The live view of one tenant, shared by every page that shows it, so moving between pages keeps
 * one subscription. On the server it is an empty, unconnected view (pages render their shell).
 */
export function liveView<V extends ViewName>(view: V, tenant: string): LiveView<V> {
  if (!browser) return new LiveView(view, tenant);
  const key = `${tenant}:${view}`;
  let live = views.get(key) as LiveView<V> | undefined;
  if (!live) {
    live = new LiveView(view, tenant, liveSocket());
    views.set(key, live as LiveView<ViewName>);
  }
  return live;
}
