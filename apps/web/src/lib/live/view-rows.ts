import type { ViewName, ViewRows } from '@pulse/events';

/** The key a view's row is replaced by when a newer version arrives (one row per machine in `fleet`). */
export function rowKey(view: ViewName, row: ViewRows[ViewName]): string {
  switch (view) {
    case 'fleet':
      return row.machineId;
    default: {
      const unknownView: never = view;
      throw new Error(`no row key for view ${String(unknownView)}`);
    }
  }
}

/** The Socket.IO room of one tenant's view. */
export function roomOf(tenant: string, view: ViewName): string {
  return `${tenant}:${view}`;
}
