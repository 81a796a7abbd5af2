import type { Sql as PoolSql } from 'postgres';
import type { AppendResult, ExpectedVersion, NewEvent } from '../port.ts';
import { DuplicateEventConflict, WrongExpectedVersion } from '../port.ts';
import { storedEvents } from './stored-events.ts';
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
  // A retry of a committed append is rare: insert first, and look at what is stored only if that
  // fails.
  try {
    return await insert(sql, stream, own, expectedVersion, options);
  } catch (err) {
    // The stream moved on, or an id is taken: either may be this very append, committed before.
    if (!(err instanceof AppendRace) && !(err instanceof WrongExpectedVersion)) throw err;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await appendUnlessStored(sql, stream, own, expectedVersion, options);
    } catch (err) {
      // Another writer stored one of these ids meanwhile: look again (a retry racing itself).
      if (!(err instanceof AppendRace) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

async function appendUnlessStored(
  sql: PoolSql,
  stream: string,
  events: NewEvent[],
  expectedVersion: ExpectedVersion,
  options: WriteOptions,
): Promise<AppendResult> {
  const stored = await storedEvents(sql, events);
  if (stored.length === 0) return insert(sql, stream, events, expectedVersion, options);
  const conflict = stored.find((r) => !r.same);
  if (conflict) throw new DuplicateEventConflict(conflict.id, `in ${conflict.stream} with other content`);
  if (stored.length !== new Set(events.map((e) => e.id.toLowerCase())).size) {
    throw new DuplicateEventConflict(stored[0]!.id, `in ${stored[0]!.stream}, but not every event of this append is`);
  }
  // The whole append is already stored: answer as the first time did.
  const last = stored.reduce((a, b) => (a.position > b.position ? a : b));
  return { nextVersion: last.stream_version, lastPosition: last.position };
}

/** The expected version is checked under the append lock, where it cannot change before COMMIT. */
async function insert(
  sql: PoolSql,
  stream: string,
  events: NewEvent[],
  expectedVersion: ExpectedVersion,
  options: WriteOptions,
): Promise<AppendResult> {
  const rows = await writeEvents(sql, events, { ...options, expectedVersion });
  const last = rows.reduce((a, b) => (a.position > b.position ? a : b));
  return { nextVersion: last.stream_version, lastPosition: last.position };
}

export { versionMatches } from './version-matches.ts';
