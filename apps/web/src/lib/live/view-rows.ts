import type { ViewName, ViewRows } from '@pulse/events';

/** The key a view's row is replaced by when a newer version arrives (one row per machine in `fleet`). */
export function rowKey(view: ViewName, row: ViewRows[ViewName]): string {
  const r = row as unknown as Record<string, unknown>;
  switch (view as string) {
    case 'fleet':
      return r.machineId as string;
    default:
      throw new Error(`no row key for view ${view}`);
  }
}

/** The Socket.IO room of one tenant's view (and, for views split by subject, of one subject). */
export function roomOf(tenant: string, view: ViewName, key?: string): string {
  return key === undefined ? `${tenant}:${view}` : `${tenant}:${view}:${key}`;
}
