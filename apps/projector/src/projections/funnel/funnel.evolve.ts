import type { AbandonedJourney, FunnelStepView, FunnelView, KnownRecordedEvent } from '@pulse/events';
import { percentiles, record, type Histogram } from './histogram.ts';

export interface JourneyRow {
  tenant: string;
  journeyId: string;
  accountId: string;
  accountName: string;
  /** Each step and when it was first completed. */
  steps: Record<string, string>;
  lastStep: string;
  lastStepAt: string;
  /** When Pulse first heard of the journey: it decides the journey's cohorts, once and for all. */
  startedAt: string;
  status: 'active' | 'completed' | 'abandoned';
  abandonedAt: string | null;
  idleS: number | null;
  position: number;
}

export interface FunnelRow extends FunnelView {
  tenant: string;
  /** Per step, the histogram of phase times from the previous step. */
  histograms: Record<string, Histogram>;
  position: number;
}

/** How many abandoned journeys a funnel row lists. */
export const ABANDONED_LIST = 50;

export function journeyIdOf(event: KnownRecordedEvent): string | undefined {
  return event.type.startsWith('onboarding.') ? (event.data as { journeyId: string }).journeyId : undefined;
}

/**
 * The next state of one journey. `steps` is the tenant's ordered funnel: reaching its last step
 * completes the journey. A step after an abandonment resumes it. Pure.
 */
export function evolveJourney(
  row: JourneyRow | undefined,
  event: KnownRecordedEvent,
  steps: readonly string[],
): JourneyRow | undefined {
  if (event.type === 'onboarding.step_completed') {
    const d = event.data;
    const at = event.occurredAt;
    const base: JourneyRow = row ?? {
      tenant: event.tenant,
      journeyId: d.journeyId,
      accountId: d.account.id,
      accountName: d.account.name,
      steps: {},
      lastStep: d.step,
      lastStepAt: at,
      startedAt: at,
      status: 'active',
      abandonedAt: null,
      idleS: null,
      position: event.position,
    };
    const reached = { ...base.steps, [d.step]: base.steps[d.step] ?? at };
    const latest = !row || Date.parse(at) >= Date.parse(base.lastStepAt);
    const completed = reached[steps[steps.length - 1]!] !== undefined;
    return {
      ...base,
      accountId: d.account.id,
      accountName: d.account.name,
      steps: reached,
      lastStep: latest ? d.step : base.lastStep,
      lastStepAt: latest ? at : base.lastStepAt,
      status: completed ? 'completed' : 'active',
      abandonedAt: completed || base.status === 'abandoned' ? null : base.abandonedAt,
      idleS: completed || base.status === 'abandoned' ? null : base.idleS,
      position: event.position,
    };
  }
  if (event.type === 'onboarding.abandoned') {
    if (!row) return row;
    // A journey that completed meanwhile stays completed: the abandonment was decided on stale news.
    if (row.status === 'completed') return { ...row, position: event.position };
    return {
      ...row,
      status: 'abandoned',
      abandonedAt: event.occurredAt,
      idleS: event.data.idleS,
      position: event.position,
    };
  }
  return row;
}

/** The cohorts a journey counts in: all, the UTC day it started, the ISO week (its Monday). */
export function cohortsOf(startedAt: string): string[] {
  const d = new Date(startedAt);
  const day = d.toISOString().slice(0, 10);
  const monday = new Date(
    Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() - ((d.getUTCDay() + 6) % 7)),
  );
  return ['all', `day:${day}`, `week:${monday.toISOString().slice(0, 10)}`];
}

export function emptyFunnel(tenant: string, cohort: string, steps: readonly string[]): FunnelRow {
  return {
    tenant,
    cohort,
    steps: steps.map((step) => blankStep(step)),
    started: 0,
    completed: 0,
    abandoned: 0,
    abandonedJourneys: [],
    histograms: {},
    position: 0,
  };
}

function blankStep(step: string): FunnelStepView {
  return {
    step,
    reached: 0,
    conversionFromPrevious: null,
    conversionOverall: null,
    medianMsFromPrevious: null,
    p90MsFromPrevious: null,
    abandoned: 0,
  };
}

/**
 * What one journey's change (before → after) does to one cohort's funnel. Counting the difference
 * of two states, not the event, makes a repeated step or a resumed journey count exactly once. Pure.
 */
export function applyJourneyChange(
  funnel: FunnelRow,
  before: JourneyRow | undefined,
  after: JourneyRow,
  steps: readonly string[],
  position: number,
): FunnelRow {
  // The row follows the tenant's current step list; counts of steps still in it are kept.
  const byName = new Map(funnel.steps.map((s) => [s.step, s]));
  const rows = steps.map((step) => ({ ...(byName.get(step) ?? blankStep(step)) }));
  const histograms = { ...funnel.histograms };
  let { started, completed, abandoned, abandonedJourneys } = funnel;
  if (!before) started++;
  steps.forEach((step, i) => {
    if (before?.steps[step] === undefined && after.steps[step] !== undefined) rows[i]!.reached++;
    if (i === 0) return;
    const prev = steps[i - 1]!;
    const had = before?.steps[prev] !== undefined && before.steps[step] !== undefined;
    const has = after.steps[prev] !== undefined && after.steps[step] !== undefined;
    if (!had && has) {
      const ms = Math.max(0, Date.parse(after.steps[step]!) - Date.parse(after.steps[prev]!));
      histograms[step] = record(histograms[step] ?? {}, ms);
    }
  });
  if (before?.status !== 'completed' && after.status === 'completed') completed++;
  if (before?.status === 'completed' && after.status !== 'completed') completed--;
  const wasAbandoned = before?.status === 'abandoned';
  const isAbandoned = after.status === 'abandoned';
  if (wasAbandoned) {
    abandoned--;
    const r = rows.find((s) => s.step === before.lastStep);
    if (r) r.abandoned--;
    abandonedJourneys = abandonedJourneys.filter((j) => j.journeyId !== after.journeyId);
  }
  if (isAbandoned) {
    abandoned++;
    const r = rows.find((s) => s.step === after.lastStep);
    if (r) r.abandoned++;
    abandonedJourneys = [
      toAbandoned(after),
      ...abandonedJourneys.filter((j) => j.journeyId !== after.journeyId),
    ]
      .sort(
        (a, b) =>
          Date.parse(b.abandonedAt) - Date.parse(a.abandonedAt) || a.journeyId.localeCompare(b.journeyId),
      )
      .slice(0, ABANDONED_LIST);
  }
  return {
    ...funnel,
    // Conversions and percentiles are derived once per batch (withDerived), not per event.
    steps: rows,
    histograms,
    started,
    completed,
    abandoned,
    abandonedJourneys,
    position,
  };
}

function toAbandoned(j: JourneyRow): AbandonedJourney {
  return {
    journeyId: j.journeyId,
    accountId: j.accountId,
    accountName: j.accountName,
    lastStep: j.lastStep,
    lastStepAt: j.lastStepAt,
    abandonedAt: j.abandonedAt!,
    idleS: j.idleS ?? 0,
  };
}

/** The funnel with its conversions and phase timings computed from its counts and histograms. */
export function withDerived(funnel: FunnelRow): FunnelRow {
  return { ...funnel, steps: derive(funnel.steps, funnel.histograms) };
}

/**
 * A step's median and p90, remembered per histogram: histograms are never changed in place (record
 * makes a new one), so one a batch left as it was has the same percentiles, and a cohort's row is
 * derived again every batch for the one or two steps its events moved.
 */
const phasePercentiles = new WeakMap<Histogram, (number | null)[]>();
const EMPTY: Histogram = {};

function phaseTimes(h: Histogram): (number | null)[] {
  let p = phasePercentiles.get(h);
  if (!p) phasePercentiles.set(h, (p = percentiles(h, [0.5, 0.9])));
  return p;
}

function derive(rows: FunnelStepView[], histograms: Record<string, Histogram>): FunnelStepView[] {
  const first = rows[0]?.reached ?? 0;
  return rows.map((r, i) => {
    const prev = i === 0 ? undefined : rows[i - 1]!.reached;
    const [median = null, p90 = null] = i === 0 ? [] : phaseTimes(histograms[r.step] ?? EMPTY);
    return {
      ...r,
      conversionFromPrevious: i === 0 ? (r.reached > 0 ? 1 : null) : prev ? r.reached / prev : null,
      conversionOverall: first ? r.reached / first : null,
      medianMsFromPrevious: median,
      p90MsFromPrevious: p90,
    };
  });
}

export function toFunnelView({ tenant: _t, histograms: _h, position: _p, ...view }: FunnelRow): FunnelView {
  return view;
}
