import { z } from 'zod';
import { EntityId } from './ids.ts';

/** The default ordered funnel; a tenant may configure its own list of steps. */
export const defaultOnboardingSteps = ['started', 'company_verified', 'domain_configured', 'mailbox_created', 'payment_confirmed', 'completed'] as const;

const StepName = z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'a step is snake_case, e.g. domain_configured');

export const OnboardingStepCompleted = z.object({
  journeyId: EntityId,
  account: z.object({ id: EntityId, name: z.string().min(1).max(300) }),
  step: StepName,
  /** Who drove the step: the customer in the portal, or a technician on their behalf. */
  actor: z.string().max(200).optional(),
});

export const OnboardingAbandoned = z.object({
  journeyId: EntityId,
  lastStep: StepName,
  idleS: z.number().int().min(0),
});

export type OnboardingStepCompleted = z.infer<typeof OnboardingStepCompleted>;
export type OnboardingAbandoned = z.infer<typeof OnboardingAbandoned>;
