import type { Sql } from 'postgres';
import type { AppendResult, ExpectedVersion, NewEvent } from '../port.ts';
import { DuplicateEventConflict, WrongExpectedVersion } from '../port.ts';
import { currentVersions, insertEvents, storedEvents, upsertStreamVersions } from './insert-events.ts';
import { APPEND_LOCK_KEY } from './rows.ts';

/** Appends to one stream, checking the expected version (the command side). */
export async function appendToStream(
  sql: Sql,
  stream: string,
  events: NewEvent[],
  expectedVersion: ExpectedVersion = 'any',
): Promise<AppendResult> {
  if (events.length === 0) throw new Error('append needs at least one event');
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`;
    const actual = (await currentVersions(tx, [stream])).get(stream) ?? -1;

    // A retry of an append that already committed succeeds without storing anything.
    const stored = await storedEvents(tx, events.map((e) => e.id));
    if (stored.length > 0) {
      if (stored.length === events.length && stored.every((r) => r.stream === stream)) {
        const last = stored.reduce((a, b) => (a.position > b.position ? a : b));
        return { nextVersion: last.stream_version, lastPosition: last.position };
      }
      throw new DuplicateEventConflict(stored[0]!.id, `in ${stored[0]!.stream}`);
    }

    if (!versionMatches(expectedVersion, actual)) throw new WrongExpectedVersion(stream, expectedVersion, actual);
    const tenant = events[0]!.tenant;
    const versioned = events.map((e, i) => ({ ...e, stream, streamVersion: actual + 1 + i }));
    const positions = await insertEvents(tx, versioned);
    const nextVersion = actual + events.length;
    await upsertStreamVersions(tx, new Map([[stream, { tenant, version: nextVersion }]]));
    const lastPosition = Math.max(...positions.values());
    await tx`SELECT pg_notify('pulse_events', ${String(lastPosition)})`;
    return { nextVersion, lastPosition };
  });
}

export function versionMatches(expected: ExpectedVersion, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'stream_exists':
      return actual >= 0;
    default:
      return expected === actual;
  }
}
