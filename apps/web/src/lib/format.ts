/** "12 s ago", "4 min ago", "3 h ago", "2 d ago"; a timestamp slightly ahead of this clock reads "just now". */
export function formatAgo(sinceMs: number): string {
  const s = Math.floor(sinceMs / 1000);
  if (s < 1) return 'just now';
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
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
