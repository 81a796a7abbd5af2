import { z } from 'zod';
import { Actor, IsoTime, Labels } from './common.ts';
import { EntityId } from './ids.ts';

export const Severity = z.enum(['info', 'warning', 'critical']);

/**
 * Alerts are deduplicated by fingerprint: a repeat raise of an open alert is the same alert seen
 * again. The fingerprint names the alert's stream, so it uses the id alphabet.
 */
export const Fingerprint = EntityId;

export const AlertRaised = z.object({
  fingerprint: Fingerprint,
  source: z.string().min(1).max(100),
  severity: Severity,
  title: z.string().min(1).max(500),
  details: z.string().max(20_000).optional(),
  labels: Labels.optional(),
  /** Absent when the source names a machine Pulse does not know: the alert is kept, never dropped. */
  machineId: EntityId.optional(),
  /** The source's own id for this alert, for links back. */
  externalId: z.string().max(200).optional(),
  url: z.url().max(2000).optional(),
});

export const AlertAcknowledged = z.object({ fingerprint: Fingerprint, by: Actor, comment: z.string().max(5000).optional() });
export const AlertResolved = z.object({ fingerprint: Fingerprint, by: Actor, reason: z.string().max(5000).optional() });
export const AlertEscalated = z.object({
  fingerprint: Fingerprint,
  level: z.number().int().min(1).max(10),
  reason: z.string().max(1000),
  unacknowledgedSince: IsoTime.optional(),
});
export const AlertAnnotated = z.object({ fingerprint: Fingerprint, by: Actor, note: z.string().min(1).max(5000) });

export type Severity = z.infer<typeof Severity>;
export type AlertRaised = z.infer<typeof AlertRaised>;
export type AlertAcknowledged = z.infer<typeof AlertAcknowledged>;
export type AlertResolved = z.infer<typeof AlertResolved>;
export type AlertEscalated = z.infer<typeof AlertEscalated>;
export type AlertAnnotated = z.infer<typeof AlertAnnotated>;
