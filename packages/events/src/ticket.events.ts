import { z } from 'zod';
import { Actor, IsoTime } from './common.ts';
import { EntityId } from './ids.ts';
import { Severity } from './alert.events.ts';

export const TicketPriority = z.enum(['low', 'normal', 'high', 'urgent']);

/** What opened a ticket: an alert (by fingerprint), an onboarding journey, or a person. */
export const TicketOrigin = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('alert'), fingerprint: EntityId, severity: Severity }),
  z.object({ kind: z.literal('onboarding'), journeyId: EntityId, reason: z.enum(['started', 'abandoned']) }),
  z.object({ kind: z.literal('manual') }),
]);

const TicketId = EntityId;

export const TicketOpened = z.object({
  ticketId: TicketId,
  title: z.string().min(1).max(500),
  priority: TicketPriority,
  origin: TicketOrigin,
  machineId: EntityId.optional(),
  slaDueAt: IsoTime.optional(),
  by: Actor,
});
export const TicketAssigned = z.object({ ticketId: TicketId, to: Actor, by: Actor });
/** A technician took the ticket from the automation or a colleague. */
export const TicketTakenOver = z.object({ ticketId: TicketId, from: Actor.optional(), to: Actor });
export const TicketReleased = z.object({ ticketId: TicketId, by: Actor, note: z.string().max(5000).optional() });
export const TicketNoteAdded = z.object({ ticketId: TicketId, by: Actor, note: z.string().min(1).max(20_000) });
export const TicketEscalated = z.object({ ticketId: TicketId, by: Actor, to: Actor.optional(), reason: z.string().max(2000) });
export const TicketResolved = z.object({ ticketId: TicketId, by: Actor, resolution: z.string().max(5000) });
/** Appended by the SLA process manager when a ticket passes its due time unresolved (invariant 7). */
export const TicketSlaBreached = z.object({ ticketId: TicketId, dueAt: IsoTime });

export type TicketPriority = z.infer<typeof TicketPriority>;
export type TicketOrigin = z.infer<typeof TicketOrigin>;
export type TicketOpened = z.infer<typeof TicketOpened>;
