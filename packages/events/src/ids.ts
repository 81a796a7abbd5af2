import { z } from 'zod';

/** A tenant id is used in NATS subjects and stream names, so it may hold no dots, spaces or wildcards. */
export const TenantId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'a tenant id is 1–40 lowercase letters, digits or dashes');

/** An entity id (machine, ticket, journey) ends a stream name; it may hold dots but no spaces or wildcards. */
export const EntityId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,127}$/, 'an id is 1–128 letters, digits or _ . : @ -');

export type TenantId = z.infer<typeof TenantId>;
