import { viewRowKey, type ViewName, type ViewRows } from '@pulse/events';

/** The key a view's row is replaced by when a newer version arrives (the shared contract's). */
export function rowKey(view: ViewName, row: ViewRows[ViewName]): string {
  return viewRowKey(view, row);
}

/** The Socket.IO room of one tenant's view (and, for views split by subject, of one subject). */
export function roomOf(tenant: string, view: ViewName, key?: string): string {
  return key === undefined ? `${tenant}:${view}` : `${tenant}:${view}:${key}`;
}
