import { describe, expect, it } from 'vitest';
import { defaultOnboardingSteps, OnboardingStepCompleted } from '@pulse/events';
import { createOnboarding, stepOnboarding, type JourneyEvent } from './onboarding.model.ts';
import { seededRandom } from './random.ts';

const t0 = Date.parse('2026-11-25T12:00:00.000Z');
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** Steps onboardings every second for `durationMs` and returns everything they sent. */
function run(seed: number, durationMs: number) {
  const random = seededRandom(seed);
  let state = createOnboarding({ now: t0, random });
  const events: JourneyEvent[] = [];
  for (let now = t0 + SECOND; now <= t0 + durationMs; now += SECOND) {
    const step = stepOnboarding(state, now, random);
    state = step.onboarding;
    expect(step.events.every((e) => e.at <= now && e.at >= now - SECOND)).toBe(true);
    events.push(...step.events);
  }
  return { state, events };
}

function byJourney(events: JourneyEvent[]): Map<string, JourneyEvent[]> {
  const journeys = new Map<string, JourneyEvent[]>();
  for (const e of events) journeys.set(e.data.journeyId, [...(journeys.get(e.data.journeyId) ?? []), e]);
  return journeys;
}

describe('onboarding journeys', () => {
  const { state, events } = run(1, 12 * HOUR);
  const journeys = byJourney(events);

  it('go through the default steps in order, each once, minutes apart, for one account', () => {
    expect(journeys.size).toBeGreaterThan(100);
    for (const steps of journeys.values()) {
      expect(steps.map((e) => e.data.step)).toEqual(defaultOnboardingSteps.slice(0, steps.length));
      expect(steps.slice(1).every((e, i) => e.at - steps[i]!.at >= 30 * SECOND)).toBe(true);
      expect(new Set(steps.map((e) => JSON.stringify(e.data.account))).size).toBe(1);
    }
    for (const e of events) expect(OnboardingStepCompleted.safeParse(e.data).success).toBe(true);
  });

  it('start about every four minutes; some stall for good, about half complete, none is abandoned here', () => {
    const lengths = [...journeys.values()]
      .filter((s) => !state.journeys.some((j) => j.journeyId === s[0]!.data.journeyId))
      .map((s) => s.length);
    const completed = lengths.filter((n) => n === defaultOnboardingSteps.length).length;
    expect(journeys.size / 12).toBeGreaterThan(10);
    expect(journeys.size / 12).toBeLessThan(22);
    expect(completed / lengths.length).toBeGreaterThan(0.35);
    expect(completed / lengths.length).toBeLessThan(0.7);
    // Stalled at every stage, the DNS step most.
    for (let n = 1; n < defaultOnboardingSteps.length; n++) expect(lengths).toContain(n);
    expect(events.every((e) => e.type === 'onboarding.step_completed')).toBe(true);
  });

  it('starts a few journeys within the first minute and a half, so the funnel fills early', () => {
    const early = run(2, 90 * SECOND).events.filter((e) => e.data.step === 'started');
    expect(early.length).toBeGreaterThanOrEqual(4);
  });

  it('is the same for the same seed, with distinct journey ids', () => {
    expect(run(3, 2 * HOUR).events).toEqual(run(3, 2 * HOUR).events);
    const started = events.filter((e) => e.data.step === 'started');
    expect(new Set(started.map((e) => e.data.journeyId)).size).toBe(started.length);
  });

  it('starts new journeys after a restart with the same seed (npm start always uses one)', () => {
    const journeysFrom = (start: number) => {
      const random = seededRandom(1);
      let state = createOnboarding({ now: start, random });
      const ids = new Set<string>();
      for (let now = start + SECOND; now <= start + 10 * MINUTE; now += SECOND) {
        const step = stepOnboarding(state, now, random);
        state = step.onboarding;
        for (const e of step.events) ids.add(e.data.journeyId);
      }
      return ids;
    };
    const first = journeysFrom(t0);
    const afterRestart = journeysFrom(t0 + HOUR);
    expect(first.size).toBeGreaterThan(0);
    expect([...afterRestart].filter((id) => first.has(id))).toEqual([]);
  });
});
