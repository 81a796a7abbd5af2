import type { Sql, TransactionSql } from 'postgres';
import { defaultOnboardingSteps, type KnownRecordedEvent } from '@pulse/events';
import { rowKey } from '../keyed-fold.ts';
import { loadThrough } from '../row-cache.ts';
import { deltasByTenant, Dirty, inChunks, type Projection, typesStartingWith } from '../projection.ts';
import {
  applyJourneyChange,
  cohortsOf,
  emptyFunnel,
  evolveJourney,
  journeyIdOf,
  toFunnelView,
  withDerived,
  type FunnelRow,
  type JourneyRow,
} from './funnel.evolve.ts';

export const FUNNEL = 'funnel';
export const funnelTables = { journeys: 'read_journeys', funnel: 'read_funnel' } as const;

type Db = Sql | TransactionSql;

/**
 * The funnel view: read_journeys (one row per journey) and read_funnel (one row per cohort),
 * checkpoint 'funnel', deltas on ops.view.<tenant>.funnel. Steps come from the tenant's settings
 * (projector_tenant_settings.funnel_steps), defaultOnboardingSteps otherwise.
 */
export const funnelProjection: Projection<keyof typeof funnelTables> = {
  name: FUNNEL,
  tables: funnelTables,
  eventTypes: typesStartingWith('onboarding.'),
  async apply(tx, batch, t, cache) {
    const events = batch.events.filter((e) => journeyIdOf(e) !== undefined);
    if (events.length === 0) return [];
    const tenants = [...new Set(events.map((e) => e.tenant))];
    const journeyCache = cache?.table<JourneyRow>('journeys');
    const funnelCache = cache?.table<FunnelRow>('funnel');
    const refs = new Map<string, JourneyRef>();
    for (const e of events)
      refs.set(rowKey(e.tenant, journeyIdOf(e)!), { tenant: e.tenant, id: journeyIdOf(e)! });
    // Steps are the tenants' settings (anyone may change them): read each batch, beside the journeys.
    const [steps, journeys] = await Promise.all([
      loadFunnelSteps(tx, tenants),
      loadThrough(journeyCache, refs, (missing) => loadJourneys(tx, missing, t.journeys)),
    ]);
    const cohorts = touchedCohorts(events, journeys);
    const funnels = await loadThrough(funnelCache, cohorts, (missing) => loadFunnels(tx, missing, t.funnel));
    const { journeys: changedJourneys, funnels: changedFunnels } = foldFunnel(
      journeys,
      funnels,
      events,
      steps,
    );
    for (const j of changedJourneys) journeyCache?.stage(rowKey(j.tenant, j.journeyId), j);
    for (const f of changedFunnels) funnelCache?.stage(rowKey(f.tenant, f.cohort), f);
    await upsertJourneys(tx, changedJourneys, t.journeys);
    // A cohort's abandoned-journeys list (up to 10 kB of jsonb) changes only when a journey is
    // abandoned or resumes: leave the stored one in place otherwise.
    const listKept = (f: FunnelRow) =>
      funnels.get(rowKey(f.tenant, f.cohort))?.abandonedJourneys === f.abandonedJourneys;
    await upsertFunnels(tx, changedFunnels, t.funnel, listKept);
    return deltasByTenant('funnel', changedFunnels, batch.position, toFunnelView);
  },
  rebuilder(ctx) {
    const journeys = new Map<string, JourneyRow>();
    const funnels = new Map<string, FunnelRow>();
    const dirtyJourneys = new Dirty<JourneyRow>();
    const dirtyFunnels = new Dirty<FunnelRow>();
    return {
      fold(batch) {
        const events = batch.events.filter((e) => journeyIdOf(e) !== undefined);
        if (events.length === 0) return;
        const folded = foldFunnel(journeys, funnels, events, ctx.funnelSteps);
        for (const j of folded.journeys) {
          journeys.set(rowKey(j.tenant, j.journeyId), j);
          dirtyJourneys.set(rowKey(j.tenant, j.journeyId), j);
        }
        for (const f of folded.funnels) {
          funnels.set(rowKey(f.tenant, f.cohort), f);
          dirtyFunnels.set(rowKey(f.tenant, f.cohort), f);
        }
      },
      async flush(tx, t) {
        const j = dirtyJourneys.take();
        const f = dirtyFunnels.take();
        await inChunks(j, 5000, (c) => upsertJourneys(tx, c, t.journeys!));
        await inChunks(f, 1000, (c) => upsertFunnels(tx, c, t.funnel!));
      },
    };
  },
};

/** Folds onboarding events into journeys and their cohorts' funnels. Pure; the maps given are left as they were. */
export function foldFunnel(
  journeysIn: ReadonlyMap<string, JourneyRow>,
  funnelsIn: ReadonlyMap<string, FunnelRow>,
  events: readonly KnownRecordedEvent[],
  steps: ReadonlyMap<string, readonly string[]>,
): { journeys: JourneyRow[]; funnels: FunnelRow[] } {
  const journeys = new Map(journeysIn);
  const funnels = new Map(funnelsIn);
  const changedJ = new Set<string>();
  const changedF = new Set<string>();
  for (const event of events) {
    const id = journeyIdOf(event);
    if (id === undefined) continue;
    const list = steps.get(event.tenant) ?? defaultOnboardingSteps;
    const key = rowKey(event.tenant, id);
    const before = journeys.get(key);
    const after = evolveJourney(before, event, list);
    if (!after || after === before) continue;
    journeys.set(key, after);
    changedJ.add(key);
    for (const cohort of cohortsOf(after.startedAt)) {
      const fk = rowKey(event.tenant, cohort);
      const funnel = funnels.get(fk) ?? emptyFunnel(event.tenant, cohort, list);
      funnels.set(fk, applyJourneyChange(funnel, before, after, list, event.position));
      changedF.add(fk);
    }
  }
  return {
    journeys: [...changedJ].map((k) => journeys.get(k)!),
    funnels: [...changedF].map((k) => withDerived(funnels.get(k)!)),
  };
}

export async function loadFunnelSteps(tx: Db, tenants: string[]): Promise<Map<string, string[]>> {
  const rows = await tx<{ tenant: string; funnel_steps: string[] | null }[]>`
    SELECT tenant, funnel_steps FROM projector_tenant_settings WHERE tenant = ANY(${tenants}::text[])`;
  return new Map(rows.filter((r) => r.funnel_steps?.length).map((r) => [r.tenant, r.funnel_steps!]));
}

/** The cohorts the batch touches: an existing journey's, or those of the time a new one is first heard of. */
function touchedCohorts(
  events: readonly KnownRecordedEvent[],
  journeys: ReadonlyMap<string, JourneyRow>,
): Map<string, { tenant: string; cohort: string }> {
  const out = new Map<string, { tenant: string; cohort: string }>();
  for (const e of events) {
    const startedAt = journeys.get(rowKey(e.tenant, journeyIdOf(e)!))?.startedAt ?? e.occurredAt;
    for (const cohort of cohortsOf(startedAt))
      out.set(rowKey(e.tenant, cohort), { tenant: e.tenant, cohort });
  }
  return out;
}

interface JourneyRecord {
  tenant: string;
  journey_id: string;
  account_id: string;
  account_name: string;
  steps: Record<string, string>;
  last_step: string;
  last_step_at: Date;
  started_at: Date;
  status: JourneyRow['status'];
  abandoned_at: Date | null;
  idle_s: number | null;
  position: number;
}

interface JourneyRef {
  tenant: string;
  id: string;
}

export async function loadJourneys(
  tx: Db,
  r: readonly JourneyRef[],
  table: string,
): Promise<Map<string, JourneyRow>> {
  const records = await tx<JourneyRecord[]>`
    SELECT j.* FROM ${tx(table)} j
    JOIN unnest(${r.map((x) => x.tenant)}::text[], ${r.map((x) => x.id)}::text[]) AS k (tenant, journey_id)
      USING (tenant, journey_id)`;
  return new Map(
    records.map((x) => [
      rowKey(x.tenant, x.journey_id),
      {
        tenant: x.tenant,
        journeyId: x.journey_id,
        accountId: x.account_id,
        accountName: x.account_name,
        steps: x.steps,
        lastStep: x.last_step,
        lastStepAt: x.last_step_at.toISOString(),
        startedAt: x.started_at.toISOString(),
        status: x.status,
        abandonedAt: x.abandoned_at?.toISOString() ?? null,
        idleS: x.idle_s,
        position: x.position,
      },
    ]),
  );
}

async function loadFunnels(
  tx: Db,
  refs: { tenant: string; cohort: string }[],
  table: string,
): Promise<Map<string, FunnelRow>> {
  const records = await tx<
    (Omit<FunnelRow, 'abandonedJourneys'> & { abandoned_journeys: FunnelRow['abandonedJourneys'] })[]
  >`
    SELECT f.tenant, f.cohort, f.steps, f.started, f.completed, f.abandoned, f.abandoned_journeys, f.histograms, f.position
    FROM ${tx(table)} f
    JOIN unnest(${refs.map((x) => x.tenant)}::text[], ${refs.map((x) => x.cohort)}::text[]) AS k (tenant, cohort)
      USING (tenant, cohort)`;
  return new Map(
    records.map(({ abandoned_journeys, ...f }) => [
      rowKey(f.tenant, f.cohort),
      { ...f, abandonedJourneys: abandoned_journeys },
    ]),
  );
}

// Rows travel as one JSON text (keys as the row types name them): one native stringify instead of
// an escaped array per column, and jsonb columns without a JSON string inside an array.
async function upsertJourneys(tx: Db, rows: JourneyRow[], table: string): Promise<void> {
  if (rows.length === 0) return;
  await tx`
    INSERT INTO ${tx(table)} (tenant, journey_id, account_id, account_name, steps, last_step, last_step_at,
      started_at, status, abandoned_at, idle_s, position)
    SELECT * FROM json_to_recordset(${JSON.stringify(rows)}::text::json) AS r (tenant text, "journeyId" text,
      "accountId" text, "accountName" text, steps jsonb, "lastStep" text, "lastStepAt" timestamptz,
      "startedAt" timestamptz, status text, "abandonedAt" timestamptz, "idleS" int, position bigint)
    ON CONFLICT (tenant, journey_id) DO UPDATE SET account_id = excluded.account_id, account_name = excluded.account_name,
      steps = excluded.steps, last_step = excluded.last_step, last_step_at = excluded.last_step_at,
      started_at = excluded.started_at, status = excluded.status, abandoned_at = excluded.abandoned_at,
      idle_s = excluded.idle_s, position = excluded.position`;
}

/**
 * `listKept`: rows stored already whose abandoned-journeys list is unchanged. Those are updated
 * without it, so the stored value stays as it is (not parsed, compressed and written again); an
 * upsert cannot leave it out (the row it proposes must pass NOT NULL even when it conflicts).
 */
async function upsertFunnels(
  tx: Db,
  rows: FunnelRow[],
  table: string,
  listKept: (row: FunnelRow) => boolean = () => false,
): Promise<void> {
  const kept: FunnelRow[] = [];
  const rest: FunnelRow[] = [];
  for (const r of rows) (listKept(r) ? kept : rest).push(r);
  if (kept.length > 0)
    await tx`
      UPDATE ${tx(table)} AS f SET steps = r.steps, started = r.started, completed = r.completed,
        abandoned = r.abandoned, histograms = r.histograms, position = r.position
      FROM json_to_recordset(${JSON.stringify(kept.map(({ abandonedJourneys: _a, ...r }) => r))}::text::json)
        AS r (tenant text, cohort text, steps jsonb, started int, completed int, abandoned int, histograms jsonb, position bigint)
      WHERE f.tenant = r.tenant AND f.cohort = r.cohort`;
  if (rest.length === 0) return;
  await tx`
    INSERT INTO ${tx(table)} (tenant, cohort, steps, started, completed, abandoned, abandoned_journeys, histograms, position)
    SELECT * FROM json_to_recordset(${JSON.stringify(rest)}::text::json) AS r (tenant text, cohort text, steps jsonb,
      started int, completed int, abandoned int, "abandonedJourneys" jsonb, histograms jsonb, position bigint)
    ON CONFLICT (tenant, cohort) DO UPDATE SET steps = excluded.steps, started = excluded.started,
      completed = excluded.completed, abandoned = excluded.abandoned, abandoned_journeys = excluded.abandoned_journeys,
      histograms = excluded.histograms, position = excluded.position`;
}
