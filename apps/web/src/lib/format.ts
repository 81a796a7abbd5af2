type AgoKey = 'time.justNow' | 'time.sAgo' | 'time.minAgo' | 'time.hAgo' | 'time.dAgo';
const englishAgo: Record<AgoKey, string> = {
  'time.justNow': 'just now',
  'time.sAgo': '{n} s ago',
  'time.minAgo': '{n} min ago',
  'time.hAgo': '{n} h ago',
  'time.dAgo': '{n} d ago',
};
const english = (key: AgoKey, p: { n?: number } = {}) => englishAgo[key].replace('{n}', String(p.n));

/**
 * "12 s ago", "4 min ago", "3 h ago", "2 d ago"; a timestamp slightly ahead of this clock reads
 * "just now". `tr` translates (the i18n module's `t`).
 */
export function formatAgo(sinceMs: number, tr: (key: AgoKey, p?: { n: number }) => string = english): string {
  const s = Math.floor(sinceMs / 1000);
  if (s < 1) return tr('time.justNow');
  if (s < 60) return tr('time.sAgo', { n: s });
  if (s < 3600) return tr('time.minAgo', { n: Math.floor(s / 60) });
  if (s < 86_400) return tr('time.hAgo', { n: Math.floor(s / 3600) });
  return tr('time.dAgo', { n: Math.floor(s / 86_400) });
}

/** A duration in the largest unit that keeps it short: 45 s, 12 min, 3 h 20 min, 2 d 4 h. */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** hh:mm:ss in 24-hour local time, as a NOC reads a wall clock. */
export function formatClock(date: Date): string {
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((n) => String(n).padStart(2, '0'))
    .join(':');
}

export function formatPct(pct: number | null): string {
  return pct === null ? '—' : `${Math.round(pct)}%`;
}

/** Keeps `?tenant=` on links while login does not exist yet; the default tenant needs none. */
export function withTenant(path: string, tenant: string, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params);
  if (tenant !== 'demo') query.set('tenant', tenant);
  const qs = query.toString();
  return qs ? `${path}?${qs}` : path;
}
