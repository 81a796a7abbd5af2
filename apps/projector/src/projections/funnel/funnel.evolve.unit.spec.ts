import { describe, expect, it } from 'vitest';
import { defaultOnboardingSteps, type KnownRecordedEvent } from '@pulse/events';
import { anyEvent, recorded } from '../../../test/machine-events.ts';
import { foldFunnel } from './funnel.projection.ts';
import { cohortsOf, evolveJourney, toFunnelView, type FunnelRow } from './funnel.evolve.ts';
import { percentile, record } from './histogram.ts';

const T0 = Date.parse('2026-11-25T12:00:00.000Z');
const at = (min: number) => new Date(T0 + min * 60_000).toISOString();
let position = 0;
const step = (journeyId: string, s: string, minute: number) =>
  recorded(
    anyEvent('acme', 'journey', journeyId, 'onboarding.step_completed', at(minute), {
      journeyId,
      account: { id: `acc-${journeyId}`, name: `Account ${journeyId}` },
      step: s,
    }),
    ++position,
  );
const abandoned = (journeyId: string, lastStep: string, minute: number, idleS = 3600) =>
  recorded(
    anyEvent('acme', 'journey', journeyId, 'onboarding.abandoned', at(minute), {
      journeyId,
      lastStep,
      idleS,
    }),
    ++position,
  );

function funnelOf(
  events: KnownRecordedEvent[],
  steps: readonly string[] = defaultOnboardingSteps,
): Map<string, FunnelRow> {
  const { funnels } = foldFunnel(new Map(), new Map(), events, new Map([['acme', steps]]));
  return new Map(funnels.map((f) => [f.cohort, f]));
}

describe('journey evolve', () => {
  it('completes at the last configured step, resumes after an abandonment, and keeps the first time of a repeated step', () => {
    const steps = ['started', 'paid'];
    let j = evolveJourney(undefined, step('j1', 'started', 0), steps)!;
    expect(j).toMatchObject({ status: 'active', startedAt: at(0), lastStep: 'started' });
    j = evolveJourney(j, abandoned('j1', 'started', 60), steps)!;
    expect(j).toMatchObject({ status: 'abandoned', abandonedAt: at(60), idleS: 3600 });
    j = evolveJourney(j, step('j1', 'started', 61), steps)!;
    expect(j).toMatchObject({ status: 'active', abandonedAt: null, steps: { started: at(0) } });
    j = evolveJourney(j, step('j1', 'paid', 62), steps)!;
    expect(j.status).toBe('completed');
    expect(evolveJourney(j, abandoned('j1', 'paid', 90), steps)!.status).toBe('completed');
  });

  it('puts a journey in all, its UTC day and its ISO week (Monday); 23:59:59.999 Sunday is the old week', () => {
    expect(cohortsOf('2026-11-25T12:00:00.000Z')).toEqual(['all', 'day:2026-11-25', 'week:2026-11-23']);
    expect(cohortsOf('2026-11-29T23:59:59.999Z')).toEqual(['all', 'day:2026-11-29', 'week:2026-11-23']);
    expect(cohortsOf('2026-11-30T00:00:00.000Z')).toEqual(['all', 'day:2026-11-30', 'week:2026-11-30']);
  });
});

describe('funnel', () => {
  it('counts each step once per journey, with step-to-step and overall conversion', () => {
    const all = funnelOf([
      step('a', 'started', 0),
      step('a', 'company_verified', 10),
      step('a', 'company_verified', 11),
      step('b', 'started', 0),
      step('c', 'started', 0),
      step('c', 'company_verified', 30),
      step('c', 'domain_configured', 40),
    ]).get('all')!;
    expect(all.started).toBe(3);
    expect(
      all.steps.slice(0, 3).map((s) => [s.step, s.reached, s.conversionFromPrevious, s.conversionOverall]),
    ).toEqual([
      ['started', 3, 1, 1],
      ['company_verified', 2, 2 / 3, 2 / 3],
      ['domain_configured', 1, 0.5, 1 / 3],
    ]);
    expect(all.steps[3]).toMatchObject({ reached: 0, conversionFromPrevious: 0, medianMsFromPrevious: null });
  });

  it('times each phase: median and p90 within 2 %, out-of-order steps counted once their pair is complete', () => {
    const events = [];
    // Ten journeys take 1..10 minutes from started to company_verified.
    for (let i = 1; i <= 10; i++)
      events.push(step(`j${i}`, 'started', 0), step(`j${i}`, 'company_verified', i));
    // One records the later step first: it counts when the earlier one arrives.
    events.push(step('late', 'company_verified', 5), step('late', 'started', 0));
    const s = funnelOf(events).get('all')!.steps[1]!;
    expect(s.reached).toBe(11);
    expect(Math.abs(s.medianMsFromPrevious! - 5 * 60_000) / (5 * 60_000)).toBeLessThan(0.02);
    expect(Math.abs(s.p90MsFromPrevious! - 9 * 60_000) / (9 * 60_000)).toBeLessThan(0.02);
  });

  it('lists abandoned journeys and forgets one that resumes; completion counts once', () => {
    const steps = ['started', 'paid'];
    const f = funnelOf(
      [
        step('a', 'started', 0),
        step('b', 'started', 0),
        abandoned('a', 'started', 60),
        abandoned('b', 'started', 61),
        step('b', 'paid', 70),
      ],
      steps,
    ).get('all')!;
    expect(f).toMatchObject({ abandoned: 1, completed: 1 });
    expect(f.steps[0]!.abandoned).toBe(1);
    expect(f.abandonedJourneys.map((j) => j.journeyId)).toEqual(['a']);
    expect(toFunnelView(f)).not.toHaveProperty('histograms');
  });

  it('follows the tenant step list, in its order', () => {
    const f = funnelOf([step('a', 'signup', 0), step('a', 'done', 1)], ['signup', 'done']).get('all')!;
    expect(f.steps.map((s) => [s.step, s.reached])).toEqual([
      ['signup', 1],
      ['done', 1],
    ]);
    expect(f.completed).toBe(1);
  });
});

describe('phase histogram', () => {
  it('reads percentiles back within 2 % and an empty one as null', () => {
    let h = {};
    for (const ms of [1000, 2000, 3000, 4000, 100_000]) h = record(h, ms);
    expect(percentile({}, 0.5)).toBeNull();
    expect(Math.abs(percentile(h, 0.5)! - 3000) / 3000).toBeLessThan(0.02);
    expect(Math.abs(percentile(h, 0.9)! - 100_000) / 100_000).toBeLessThan(0.02);
    expect(percentile(record({}, 0), 0.5)).toBe(0);
  });
});
