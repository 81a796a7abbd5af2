import { z } from 'zod';

/** Percentages are 0–100, as the unit in the field name says. */
export const Pct = z.number().min(0).max(100);

/** Free-form labels: short keys and values, as Prometheus and Wazuh use them. */
export const Labels = z
  .record(z.string().min(1).max(100).regex(/^[A-Za-z0-9_.:/-]+$/, 'label keys are letters, digits and _ . : / -'), z.string().max(500))
  .refine((l) => Object.keys(l).length <= 50, 'at most 50 labels');

/** Who did something: a technician (`user:<id>`), the automation, or an integration (`source:<name>`). */
export const Actor = z.string().min(1).max(200);

export const IsoTime = z.iso.datetime({ offset: true });
