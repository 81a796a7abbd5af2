import type { Sql, TransactionSql } from 'postgres';
import { copyRows } from '../../adapters/copy-rows.ts';
import { loadThrough } from '../row-cache.ts';
import { deltasByTenant, Dirty, inChunks, type Projection } from '../projection.ts';
import {
  addSample,
  bucketKey,
  samplesOf,
  toTelemetryView,
  type Sample,
  type TelemetryRow,
} from './telemetry.evolve.ts';

export const TELEMETRY = 'telemetry';
export const telemetryTables = { rollups: 'read_telemetry' } as const;

type Db = Sql | TransactionSql;

/**
 * The telemetry view: read_telemetry (1-minute and 1-hour buckets per subject and metric),
 * checkpoint 'telemetry', deltas on ops.view.<tenant>.telemetry. Retention deletes old buckets
 * (see telemetry-retention.ts), which leaves the buckets kept exactly as a rebuild makes them.
 */
export const telemetryProjection: Projection<keyof typeof telemetryTables> = {
  name: TELEMETRY,
  tables: telemetryTables,
  eventTypes: ['telemetry.sampled'],
  ownLane: true,
  async apply(tx, batch, t, cache) {
    const samples = batch.events.flatMap(samplesOf);
    if (samples.length === 0) return [];
    const keys = new Map<string, Sample>();
    for (const s of samples) keys.set(s.key, s);
    const buckets = cache?.table<TelemetryRow>('rollups');
    const loaded = await loadThrough(buckets, keys, (missing) => loadBuckets(tx, missing, t.rollups));
    const rows = foldSamples(loaded, samples);
    for (const r of rows)
      buckets?.stage(bucketKey(r.tenant, r.subject, r.metric, r.resolution, r.bucketStart), r);
    await upsertBuckets(tx, rows, t.rollups);
    return deltasByTenant('telemetry', rows, batch.position, toTelemetryView);
  },
  rebuilder() {
    const rows = new Map<string, TelemetryRow>();
    const dirty = new Dirty<TelemetryRow>();
    return {
      fold(batch) {
        for (const event of batch.events) {
          for (const s of samplesOf(event)) {
            const row = addSample(rows.get(s.key), s);
            rows.set(s.key, row);
            dirty.set(s.key, row);
          }
        }
      },
      async flush(tx, t) {
        // Most buckets are new at each flush (minutes pass): COPY those, upsert the ones written before.
        const { fresh, again } = dirty.takeSplit();
        await copyRows(tx, t.rollups!, BUCKET_COLUMNS, fresh, bucketValues);
        await inChunks(again, 10_000, (c) => upsertBuckets(tx, c, t.rollups!));
      },
    };
  },
};

/** Folds samples into their buckets; returns the changed buckets. Pure. */
export function foldSamples(
  rows: ReadonlyMap<string, TelemetryRow>,
  samples: readonly Sample[],
): TelemetryRow[] {
  const next = new Map<string, TelemetryRow>();
  for (const s of samples) next.set(s.key, addSample(next.get(s.key) ?? rows.get(s.key), s));
  return [...next.values()];
}

interface BucketRecord {
  tenant: string;
  subject: string;
  metric: string;
  resolution: TelemetryRow['resolution'];
  bucket_start: Date;
  min: number;
  max: number;
  sum: number;
  count: number;
  last: number;
  last_at: Date;
  unit: string | null;
  position: number;
}

/** Loads the buckets of the given samples (one per key). */
async function loadBuckets(tx: Db, k: readonly Sample[], table: string): Promise<Map<string, TelemetryRow>> {
  const records = await tx<BucketRecord[]>`
    SELECT r.* FROM ${tx(table)} r
    JOIN unnest(${k.map((s) => s.tenant)}::text[], ${k.map((s) => s.subject)}::text[], ${k.map((s) => s.metric)}::text[],
                ${k.map((s) => s.resolution)}::text[], ${k.map((s) => s.bucketStart)}::timestamptz[])
      AS k (tenant, subject, metric, resolution, bucket_start)
      USING (tenant, subject, metric, resolution, bucket_start)`;
  return new Map(
    records.map((r) => {
      const bucketStart = r.bucket_start.toISOString();
      return [
        bucketKey(r.tenant, r.subject, r.metric, r.resolution, bucketStart),
        {
          tenant: r.tenant,
          subject: r.subject,
          metric: r.metric,
          resolution: r.resolution,
          bucketStart,
          min: r.min,
          max: r.max,
          sum: r.sum,
          count: r.count,
          last: r.last,
          lastAt: r.last_at.toISOString(),
          unit: r.unit,
          position: r.position,
        },
      ];
    }),
  );
}

const BUCKET_COLUMNS = [
  'tenant',
  'subject',
  'metric',
  'resolution',
  'bucket_start',
  'min',
  'max',
  'sum',
  'count',
  'last',
  'last_at',
  'unit',
  'position',
] as const;

const bucketValues = (r: TelemetryRow) => [
  r.tenant,
  r.subject,
  r.metric,
  r.resolution,
  r.bucketStart,
  r.min,
  r.max,
  r.sum,
  r.count,
  r.last,
  r.lastAt,
  r.unit,
  r.position,
];

async function upsertBuckets(tx: Db, rows: TelemetryRow[], table: string): Promise<void> {
  // The rows travel as one JSON text (keys as TelemetryRow names them): one native stringify
  // instead of thirteen escaped arrays, which was the largest JS cost of a live batch.
  await tx`
    INSERT INTO ${tx(table)} (tenant, subject, metric, resolution, bucket_start, min, max, sum, count, last, last_at, unit, position)
    SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::text::json) AS r (tenant text, subject text, metric text,
      resolution text, "bucketStart" timestamptz, min float8, max float8, sum float8, count int, last float8,
      "lastAt" timestamptz, unit text, position bigint)
    ON CONFLICT (tenant, subject, metric, resolution, bucket_start) DO UPDATE SET min = excluded.min, max = excluded.max,
      sum = excluded.sum, count = excluded.count, last = excluded.last, last_at = excluded.last_at, unit = excluded.unit,
      position = excluded.position`;
}

/** How long buckets are kept, by resolution. */
export interface TelemetryRetention {
  minuteMs: number;
  hourMs: number;
}

/**
 * Deletes buckets past retention, by wall clock. It runs beside the projection, not in it: the
 * buckets kept are exactly what a rebuild makes, and a rebuild's old buckets (telemetry events
 * themselves expire after 30 days) go on the next pass.
 */
export async function applyTelemetryRetention(
  sql: Sql,
  nowMs: number,
  r: TelemetryRetention,
): Promise<number> {
  const result = await sql`
    DELETE FROM read_telemetry
    WHERE (resolution = '1m' AND bucket_start < ${new Date(nowMs - r.minuteMs)})
       OR (resolution = '1h' AND bucket_start < ${new Date(nowMs - r.hourMs)})`;
  return result.count;
}
