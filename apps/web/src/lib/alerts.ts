import type { AlertState, AlertView, Severity } from '@pulse/events';

export const severities = ['critical', 'warning', 'info'] as const satisfies readonly Severity[];
const rank: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

export type StateFilter = 'active' | AlertState | 'all';

export interface AlertFilter {
  severity: Severity | '';
  source: string;
  state: StateFilter;
  query: string;
}

export function matchesState(state: AlertState, filter: StateFilter): boolean {
  return filter === 'all' || (filter === 'active' ? state !== 'resolved' : state === filter);
}

/** Open alerts by severity (the overview's tiles). */
export function openBySeverity(rows: readonly AlertView[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { critical: 0, warning: 0, info: 0 };
  for (const a of rows) if (a.state === 'open') counts[a.severity]++;
  return counts;
}

export function filterAlerts(rows: readonly AlertView[], f: AlertFilter): AlertView[] {
  const words = f.query.toLowerCase().split(/\s+/).filter(Boolean);
  return rows.filter((a) => {
    if (f.severity && a.severity !== f.severity) return false;
    if (f.source && a.source !== f.source) return false;
    if (!matchesState(a.state, f.state)) return false;
    if (words.length === 0) return true;
    const hay = `${a.title} ${a.machineId ?? ''} ${a.source} ${a.fingerprint} ${Object.entries(a.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`.toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

/** Worst first, then unacknowledged first, then the most recently seen. */
export function sortAlerts(rows: readonly AlertView[]): AlertView[] {
  const stateRank = { open: 0, acknowledged: 1, resolved: 2 } as const;
  return [...rows].sort(
    (a, b) =>
      stateRank[a.state] - stateRank[b.state] ||
      rank[a.severity] - rank[b.severity] ||
      (a.lastSeenAt < b.lastSeenAt ? 1 : a.lastSeenAt > b.lastSeenAt ? -1 : 0) ||
      (a.fingerprint < b.fingerprint ? -1 : 1),
  );
}

export interface StormGroup {
  severity: Severity;
  source: string;
  /** The first few shown in full. */
  shown: AlertView[];
  /** How many more of the same severity and source are not rendered. */
  more: number;
}

/**
 * In a storm, rendering every alert helps nobody: show the first `perGroup` of each severity and
 * source, in order, and a line saying how many more there are ("1,240 more critical from wazuh").
 * Returns items in display order: alerts, and a summary after the last shown alert of a group.
 */
export function summarizeStorm(
  sorted: readonly AlertView[],
  perGroup: number,
): (
  { kind: 'alert'; alert: AlertView } | { kind: 'more'; severity: Severity; source: string; more: number }
)[] {
  const seen = new Map<string, number>();
  const out: ReturnType<typeof summarizeStorm> = [];
  const summaryAt = new Map<string, number>();
  for (const alert of sorted) {
    const group = `${alert.state}\u0000${alert.severity}\u0000${alert.source}`;
    const n = (seen.get(group) ?? 0) + 1;
    seen.set(group, n);
    if (n <= perGroup) out.push({ kind: 'alert', alert });
    else if (n === perGroup + 1) {
      summaryAt.set(group, out.length);
      out.push({ kind: 'more', severity: alert.severity, source: alert.source, more: 1 });
    } else {
      const item = out[summaryAt.get(group)!]!;
      if (item.kind === 'more') item.more++;
    }
  }
  return out;
}
