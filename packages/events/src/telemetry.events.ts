import { z } from 'zod';
import { IsoTime, Labels } from './common.ts';
import { EntityId } from './ids.ts';

export const TelemetryPoint = z.object({
  metric: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_.:]{0,199}$/, 'a metric name is letters, digits and _ . :'),
  value: z.number().finite(),
  unit: z.string().max(50).optional(),
  labels: Labels.optional(),
  at: IsoTime,
});

/** A batch of samples from one machine (or one source when `machineId` is absent). */
export const TelemetrySampled = z.object({
  machineId: EntityId.optional(),
  source: EntityId.optional(),
  points: z.array(TelemetryPoint).min(1).max(5_000),
}).refine((d) => d.machineId !== undefined || d.source !== undefined, { message: 'machineId or source is required', path: ['machineId'] });

export type TelemetryPoint = z.infer<typeof TelemetryPoint>;
export type TelemetrySampled = z.infer<typeof TelemetrySampled>;
