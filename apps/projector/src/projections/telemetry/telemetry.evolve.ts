import type { KnownRecordedEvent, TelemetryPointView, TelemetryResolution } from '@pulse/events';

/** One rollup bucket: sums rather than the average, so buckets merge exactly. */
export interface TelemetryRow {
  tenant: string;
  subject: string;
  metric: string;
  resolution: TelemetryResolution;
  bucketStart: string;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  lastAt: string;
  unit: string | null;
  position: number;
}

export const RESOLUTIONS: Record<TelemetryResolution, number> = { '1m': 60_000, '1h': 3_600_000 };

export interface Sample {
  key: string;
  tenant: string;
  subject: string;
  metric: string;
  resolution: TelemetryResolution;
  bucketStart: string;
  value: number;
  at: string;
  unit: string | null;
  position: number;
}

/** A bucket's key: tenant, subject, metric, resolution and start, NUL-separated (ids hold no NUL). */
export const bucketKey = (
  tenant: string,
  subject: string,
  metric: string,
  resolution: string,
  bucketStart: string,
): string => `${tenant}\u0000${subject}\u0000${metric}\u0000${resolution}\u0000${bucketStart}`;

/** Bucket starts repeat a lot (every point of a minute shares one): format each once. */
const bucketIso = new Map<number, string>();
function isoOf(ms: number): string {
  let iso = bucketIso.get(ms);
  if (iso === undefined) {
    if (bucketIso.size > 100_000) bucketIso.clear();
    bucketIso.set(ms, (iso = new Date(ms).toISOString()));
  }
  return iso;
}

/** Every point of a telemetry.sampled event, once per resolution, keyed by its bucket. */
export function samplesOf(event: KnownRecordedEvent): Sample[] {
  if (event.type !== 'telemetry.sampled') return [];
  const subject = event.data.machineId ?? event.data.source!;
  const out: Sample[] = [];
  for (const p of event.data.points) {
    const t = Date.parse(p.at);
    // Times compare as ISO strings of one format (toISOString's), so normalise each once here.
    const at = p.at.length === 24 && p.at[19] === '.' && p.at[23] === 'Z' ? p.at : new Date(t).toISOString();
    for (const resolution of ['1m', '1h'] as const) {
      const size = RESOLUTIONS[resolution];
      const bucketStart = isoOf(t - (((t % size) + size) % size));
      out.push({
        key: bucketKey(event.tenant, subject, p.metric, resolution, bucketStart),
        tenant: event.tenant,
        subject,
        metric: p.metric,
        resolution,
        bucketStart,
        value: p.value,
        at,
        unit: p.unit ?? null,
        position: event.position,
      });
    }
  }
  return out;
}

/**
 * Adds one sample to its bucket. `last` is the sample with the latest time; of two at the same
 * time, the one recorded later (position order) wins. Pure.
 */
export function addSample(row: TelemetryRow | undefined, s: Sample): TelemetryRow {
  if (!row) {
    return {
      tenant: s.tenant,
      subject: s.subject,
      metric: s.metric,
      resolution: s.resolution,
      bucketStart: s.bucketStart,
      min: s.value,
      max: s.value,
      sum: s.value,
      count: 1,
      last: s.value,
      lastAt: s.at,
      unit: s.unit,
      position: s.position,
    };
  }
  // Both are toISOString's format, where string order is time order.
  const later = s.at >= row.lastAt;
  return {
    ...row,
    min: Math.min(row.min, s.value),
    max: Math.max(row.max, s.value),
    sum: row.sum + s.value,
    count: row.count + 1,
    last: later ? s.value : row.last,
    lastAt: later ? s.at : row.lastAt,
    unit: s.unit ?? row.unit,
    position: s.position,
  };
}

export function toTelemetryView(r: TelemetryRow): TelemetryPointView {
  return {
    subject: r.subject,
    metric: r.metric,
    resolution: r.resolution,
    bucketStart: r.bucketStart,
    min: r.min,
    max: r.max,
    avg: r.sum / r.count,
    last: r.last,
    count: r.count,
    unit: r.unit,
  };
}
