import type { Sql as PoolSql } from 'postgres';
import type { AppendResult, ExpectedVersion, NewEvent } from '../port.ts';
import { DuplicateEventConflict, WrongExpectedVersion } from '../port.ts';
import type { InsertedRow } from './insert-events.ts';
import { storedEvents } from './stored-events.ts';
import { currentVersions } from './stream-versions.ts';
import { AppendRace, writeEvents, type WriteOptions } from './write-events.ts';

const MAX_ATTEMPTS = 5;

/** Appends to one stream, checking the expected version (the command side). */
export async function appendToStream(
  sql: PoolSql,
  stream: string,
  events: NewEvent[],
  expectedVersion: ExpectedVersion = 'any',
  options: WriteOptions = {},
): Promise<AppendResult> {
  if (events.length === 0) throw new Error('append needs at least one event');
  const own = events.map((e) => ({ ...e, stream }));
  for (let attempt = 1; ; attempt++) {
    try {
      return await attemptAppend(sql, stream, own, expectedVersion, options);
    } catch (err) {
      // Another writer stored one of these ids meanwhile: look again (a retry racing itself).
      if (!(err instanceof AppendRace) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

async function attemptAppend(
  sql: PoolSql,
  stream: string,
  events: NewEvent[],
  expectedVersion: ExpectedVersion,
  options: WriteOptions,
): Promise<AppendResult> {
  const [stored, versions] = await Promise.all([storedEvents(sql, events), currentVersions(sql, [stream])]);

  // A retry of an append that already committed succeeds without storing anything.
  if (stored.length > 0) {
    const conflict = stored.find((r) => !r.same);
    if (conflict) throw new DuplicateEventConflict(conflict.id, `in ${conflict.stream} with other content`);
    if (stored.length !== new Set(events.map((e) => e.id.toLowerCase())).size) {
      throw new DuplicateEventConflict(stored[0]!.id, `in ${stored[0]!.stream}, but not every event of this append is`);
    }
    const last = stored.reduce((a, b) => (a.position > b.position ? a : b));
    return { nextVersion: last.stream_version, lastPosition: last.position };
  }

  // Fail fast on what is committed; the check that counts runs on the rows actually inserted.
  const committed = versions.get(stream) ?? -1;
  if (!versionMatches(expectedVersion, committed)) throw new WrongExpectedVersion(stream, expectedVersion, committed);
  const rows = await writeEvents(sql, events, {
    ...options,
    verify: (inserted) => {
      const actual = firstVersion(inserted) - 1;
      if (!versionMatches(expectedVersion, actual)) throw new WrongExpectedVersion(stream, expectedVersion, actual);
    },
  });
  const last = rows.reduce((a, b) => (a.position > b.position ? a : b));
  return { nextVersion: last.stream_version, lastPosition: last.position };
}

function firstVersion(rows: InsertedRow[]): number {
  return Math.min(...rows.map((r) => r.stream_version));
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
