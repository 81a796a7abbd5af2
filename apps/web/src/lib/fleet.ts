import type { MachineStatus, MachineView } from '@pulse/events';

/** Worst first: the order a NOC reads statuses in. */
export const statuses = ['offline', 'overdue', 'online'] as const satisfies readonly MachineStatus[];

export const statusLabels: Record<MachineStatus, string> = {
  online: 'Online',
  overdue: 'Overdue',
  offline: 'Offline',
};

export type StatusCounts = Record<MachineStatus, number> & { total: number };

export function countByStatus(rows: readonly MachineView[]): StatusCounts {
  const counts: StatusCounts = { online: 0, overdue: 0, offline: 0, total: rows.length };
  for (const row of rows) counts[row.status]++;
  return counts;
}

export type SortKey = 'status' | 'hostname' | 'os' | 'cpuPct' | 'memPct' | 'diskPct' | 'lastSeenAt';
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

const severity: Record<MachineStatus, number> = { offline: 0, overdue: 1, online: 2 };
const text = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

function compareBy(key: SortKey, a: MachineView, b: MachineView): number {
  switch (key) {
    case 'status':
      return severity[a.status] - severity[b.status];
    case 'hostname':
    case 'os':
      return text.compare(a[key], b[key]);
    case 'lastSeenAt':
      return Date.parse(a.lastSeenAt) - Date.parse(b.lastSeenAt);
    case 'cpuPct':
    case 'memPct':
    case 'diskPct':
      return (a[key] ?? -1) - (b[key] ?? -1);
  }
}

/**
 * Sorts by one column, then by hostname and machine id so equal rows keep a fixed order and a
 * live update does not shuffle them. "asc" on status means worst first.
 */
export function sortMachines(rows: readonly MachineView[], sort: Sort): MachineView[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort(
    (a, b) =>
      sign * compareBy(sort.key, a, b) ||
      text.compare(a.hostname, b.hostname) ||
      (a.machineId < b.machineId ? -1 : a.machineId > b.machineId ? 1 : 0),
  );
}

/** Case-insensitive match on hostname, machine id, OS or agent version; every word must match. */
export function filterMachines(
  rows: readonly MachineView[],
  query: string,
  only: ReadonlySet<MachineStatus>,
): MachineView[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((row) => {
    if (only.size > 0 && !only.has(row.status)) return false;
    const haystack = `${row.hostname} ${row.machineId} ${row.os} ${row.agentVersion ?? ''}`.toLowerCase();
    return words.every((w) => haystack.includes(w));
  });
}
