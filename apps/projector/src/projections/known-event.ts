import { catalog, isEventType, upcast, type KnownRecordedEvent, type RecordedEvent } from '@pulse/events';

export type CheckedEvent =
  | { kind: 'known'; event: KnownRecordedEvent }
  /** A type this build does not know (a newer writer, another app's category): skipped silently. */
  | { kind: 'unknown' }
  /** A known type whose data fails its schema: skipped, but loudly, so it never disappears unseen. */
  | { kind: 'invalid'; reason: string };

/**
 * Checks a stored event against the catalog before a projection folds it. The recorder validated
 * it already, but anything with database access can append, and one malformed row must never
 * wedge a projection in a crash loop (invariant 9). Pure.
 */
export function checkEvent(event: RecordedEvent): CheckedEvent {
  if (!isEventType(event.type)) return { kind: 'unknown' };
  let data = decoded(event.data);
  // Stored events keep the schema version they were written with; fold the current shape.
  if (event.schemaVersion < catalog[event.type].version && data && typeof data === 'object') {
    try {
      data = upcast(event.type, event.schemaVersion, data as Record<string, unknown>);
    } catch (err) {
      return { kind: 'invalid', reason: String(err) };
    }
  }
  const parsed = catalog[event.type].data.safeParse(data);
  if (!parsed.success) {
    const reason = parsed.error.issues.map((i) => `data.${i.path.join('.')}: ${i.message}`).join('; ');
    return { kind: 'invalid', reason };
  }
  return {
    kind: 'known',
    event: { ...event, schemaVersion: catalog[event.type].version, data: parsed.data } as KnownRecordedEvent,
  };
}

/**
 * The first PostgreSQL event store wrote `data` as a JSON string inside the jsonb column; databases
 * written then still hold such rows, so a string is decoded here rather than skipped as invalid.
 */
function decoded(data: unknown): unknown {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}
