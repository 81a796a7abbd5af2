import { v7 as uuidv7 } from 'uuid';
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

/**
 * A new event id, for clients and services that mint their own: a UUIDv7 (RFC 9562), ordered by
 * the time it is made. The event store keeps every id in a unique index (idempotency, invariant 2);
 * ids that grow with time are added at that index's right edge, where a random v4 id lands on any
 * of its pages (the largest index cost of an append: BENCHMARKS.md, Event store). Any UUID is
 * accepted; this is what Pulse's own agent, edge and commands send.
 */
export const newEventId = (): string => uuidv7();
