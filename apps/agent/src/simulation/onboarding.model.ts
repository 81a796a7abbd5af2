/**
 * Customer onboardings as a pure model: new customers start the portal's journey now and then and
 * go through the tenant's default funnel at a human pace; some stop at a step and never come back.
 * Pulse's projector, not the simulator, later marks those abandoned (its idle window), so nothing
 * here sends onboarding.abandoned.
 */
import { defaultOnboardingSteps, type OnboardingStepCompleted } from '@pulse/events';
import { pick, uniform, type Random } from './random.ts';

export interface JourneyEvent {
  type: 'onboarding.step_completed';
  at: number;
  data: OnboardingStepCompleted;
}

export interface Journey {
  journeyId: string;
  account: { id: string; name: string };
  /** Index in the funnel of the step completed last; -1 before `started`. */
  stepIndex: number;
  /** When the next step is completed. */
  nextAt: number;
}

export interface Onboarding {
  /** Journeys still going; one that completes or stalls leaves the list. */
  journeys: readonly Journey[];
  nextArrivalAt: number;
  meanArrivalMs: number;
}

const SECOND = 1000;
const MINUTE = 60 * SECOND;

export const steps = defaultOnboardingSteps;

/**
 * Per step: the minutes it takes after the previous one, and the share of journeys that stop
 * before it for good. DNS is where most people get stuck; nearly everyone who paid completes.
 */
const pace: Record<(typeof steps)[number], { minMin: number; maxMin: number; stall: number }> = {
  started: { minMin: 0, maxMin: 0, stall: 0 },
  company_verified: { minMin: 1, maxMin: 6, stall: 0.1 },
  domain_configured: { minMin: 4, maxMin: 25, stall: 0.2 },
  mailbox_created: { minMin: 1, maxMin: 4, stall: 0.05 },
  payment_confirmed: { minMin: 2, maxMin: 15, stall: 0.12 },
  completed: { minMin: 0.5, maxMin: 3, stall: 0.02 },
};

// prettier-ignore
const namePrefixes = ['Bluebird', 'Northwind', 'Cedar', 'Harbor', 'Summit', 'Riverside', 'Lumen', 'Oakridge', 'Pioneer', 'Silverline', 'Brightwater', 'Kestrel', 'Meridian', 'Redwood', 'Sable', 'Tidewater'];
// prettier-ignore
const nameKinds = ['Dental', 'Legal', 'Logistics', 'Bakery', 'Architects', 'Clinic', 'Accounting', 'Realty', 'Studio', 'Engineering', 'Pharmacy', 'Travel'];

/**
 * Onboardings at `now`: `initial` journeys start within the first minute and a half, so the funnel
 * has something to show early, then one starts every `meanArrivalMs` on average.
 */
export function createOnboarding(options: {
  now: number;
  random: Random;
  initial?: number;
  meanArrivalMs?: number;
}): Onboarding {
  const { now, random } = options;
  const meanArrivalMs = options.meanArrivalMs ?? 4 * MINUTE;
  const journeys = Array.from({ length: options.initial ?? 4 }, () =>
    newJourney(now + uniform(random, 5 * SECOND, 90 * SECOND), random),
  );
  return { journeys, nextArrivalAt: now + exponential(random, meanArrivalMs), meanArrivalMs };
}

/** Advances the journeys to `now`: every step due since the last call, in time order per journey. */
export function stepOnboarding(
  state: Onboarding,
  now: number,
  random: Random,
): { onboarding: Onboarding; events: JourneyEvent[] } {
  let { nextArrivalAt } = state;
  const arrivals: Journey[] = [];
  while (nextArrivalAt <= now) {
    arrivals.push(newJourney(nextArrivalAt, random));
    nextArrivalAt += exponential(random, state.meanArrivalMs);
  }
  const events: JourneyEvent[] = [];
  const journeys: Journey[] = [];
  for (let j of [...state.journeys, ...arrivals]) {
    let going = true;
    while (going && j.nextAt <= now) {
      const stepIndex = j.stepIndex + 1;
      events.push(stepCompleted(j, stepIndex, random));
      const next = steps[stepIndex + 1];
      // Done, or stopped here for good: the journey leaves the model (the projector remembers it).
      if (next === undefined || random() < pace[next].stall) going = false;
      else
        j = {
          ...j,
          stepIndex,
          nextAt: j.nextAt + uniform(random, pace[next].minMin, pace[next].maxMin) * MINUTE,
        };
    }
    if (going) journeys.push(j);
  }
  events.sort((a, b) => a.at - b.at);
  return { onboarding: { ...state, journeys, nextArrivalAt }, events };
}

function newJourney(at: number, random: Random): Journey {
  const name = `${pick(random, namePrefixes)} ${pick(random, nameKinds)}`;
  return {
    // The start time in the id: a restart with the same seed begins new journeys, not the old ones again.
    journeyId: `j-${Math.floor(at / 1000).toString(36)}-${token(random, 6)}`,
    account: { id: `acc-${token(random, 6)}`, name },
    stepIndex: -1,
    nextAt: at,
  };
}

function stepCompleted(j: Journey, stepIndex: number, random: Random): JourneyEvent {
  const step = steps[stepIndex]!;
  // The customer clicks through the portal; now and then a technician does the DNS for them.
  const byTechnician = step === 'domain_configured' && random() < 0.25;
  return {
    type: 'onboarding.step_completed',
    at: Math.round(j.nextAt),
    data: {
      journeyId: j.journeyId,
      account: j.account,
      step,
      actor: byTechnician ? 'user:support' : `customer:${j.account.id}`,
    },
  };
}

/** Lowercase letters and digits, drawn from the seeded source, so ids repeat with the seed only. */
function token(random: Random, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += '0123456789abcdefghijklmnopqrstuvwxyz'[Math.floor(random() * 36)];
  return out;
}

function exponential(random: Random, mean: number): number {
  return -Math.log(1 - random()) * mean;
}
