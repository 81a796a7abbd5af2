import type { MachineStatus, MachineView } from '@pulse/events';

/** Worst first: the order a NOC reads statuses in. */
export const statuses = ['offline', 'overdue', 'online'] as const satisfies readonly MachineStatus[];

export type StatusCounts = Record<MachineStatus, number> & { total: number };

/** Decommissioned machines stay listed (greyed) but leave every count. */
export function countByStatus(rows: readonly MachineView[]): StatusCounts {
  const counts: StatusCounts = { online: 0, overdue: 0, offline: 0, total: 0 };
  for (const row of rows) {
    if (row.decommissionedAt) continue;
    counts[row.status]++;
    counts.total++;
  }
  return counts;
}

export type SortKey =
  'status' | 'hostname' | 'customer' | 'os' | 'cpuPct' | 'memPct' | 'diskPct' | 'lastSeenAt';
export interface Sort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export interface FleetFilter {
  query: string;
  statuses: ReadonlySet<MachineStatus>;
  /** '' for all. */
  customer: string;
  os: string;
}

const severity: Record<MachineStatus, number> = { offline: 0, overdue: 1, online: 2 };

/** Natural order without a collator per comparison: digits padded, so "web-2" < "web-10". */
const natural = (s: string) => s.toLowerCase().replace(/\d+/g, (d) => d.padStart(12, '0'));

interface Keys {
  host: string;
  customer: string;
  os: string;
  seen: number;
  haystack: string;
}

/**
 * Sorting 10,000 rows several times a second is only cheap with precomputed keys. Rows are
 * replaced, never mutated, so a row object's keys never change: cache them by object.
 */
const cache = new WeakMap<MachineView, Keys>();
function keysOf(row: MachineView): Keys {
  let k = cache.get(row);
  if (!k) {
    k = {
      host: natural(row.hostname),
      customer: natural(`${row.customer ?? ''}\u0000${row.site ?? ''}`),
      os: natural(row.os),
      seen: Date.parse(row.lastSeenAt),
      haystack: [
        row.hostname,
        row.machineId,
        row.os,
        row.agentVersion ?? '',
        row.customer ?? '',
        row.site ?? '',
        row.ip ?? '',
        ...(row.tags ?? []),
      ]
        .join(' ')
        .toLowerCase(),
    };
    cache.set(row, k);
  }
  return k;
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

function compareBy(key: SortKey, a: MachineView, b: MachineView): number {
  switch (key) {
    case 'status':
      return severity[a.status] - severity[b.status];
    case 'hostname':
      return cmp(keysOf(a).host, keysOf(b).host);
    case 'customer':
      return cmp(keysOf(a).customer, keysOf(b).customer);
    case 'os':
      return cmp(keysOf(a).os, keysOf(b).os);
    case 'lastSeenAt':
      return keysOf(a).seen - keysOf(b).seen;
    case 'cpuPct':
    case 'memPct':
    case 'diskPct':
      return (a[key] ?? -1) - (b[key] ?? -1);
  }
}

/**
 * Sorts by one column, then by hostname and machine id so equal rows keep a fixed order and a
 * live update does not shuffle them. "asc" on status means worst first. Decommissioned last.
 */
export function sortMachines(rows: readonly MachineView[], sort: Sort): MachineView[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort(
    (a, b) =>
      Number(!!a.decommissionedAt) - Number(!!b.decommissionedAt) ||
      sign * compareBy(sort.key, a, b) ||
      cmp(keysOf(a).host, keysOf(b).host) ||
      cmp(a.machineId, b.machineId),
  );
}

/** Case-insensitive: every word must appear in hostname, id, OS, agent, customer, site, IP or tags. */
export function filterMachines(rows: readonly MachineView[], filter: FleetFilter): MachineView[] {
  const words = filter.query.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((row) => {
    if (filter.statuses.size > 0 && !filter.statuses.has(row.status)) return false;
    if (filter.customer && (row.customer ?? '') !== filter.customer) return false;
    if (filter.os && row.os !== filter.os) return false;
    const haystack = keysOf(row).haystack;
    return words.every((w) => haystack.includes(w));
  });
}

/** The distinct values of a field, for the filter menus, in natural order. */
export function distinct(
  rows: readonly MachineView[],
  pick: (row: MachineView) => string | null | undefined,
): string[] {
  const seen = new Set<string>();
  for (const row of rows) {
    const v = pick(row);
    if (v) seen.add(v);
  }
  return [...seen].sort((a, b) => cmp(natural(a), natural(b)));
}

/** The visible slice of a list of fixed-height rows, with a few rows either side to scroll into. */
export function visibleRange(
  scrollTop: number,
  viewportHeight: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): { start: number; end: number } {
  const first = Math.floor(scrollTop / rowHeight);
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + Math.ceil(viewportHeight / rowHeight) + overscan);
  return { start, end: Math.max(start, end) };
}
