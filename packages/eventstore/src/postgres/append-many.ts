import { isDeepStrictEqual } from 'node:util';
import type { Sql as PoolSql } from 'postgres';
import type { AppendManyResult, NewEvent } from '../port.ts';
import { DuplicateEventConflict } from '../port.ts';
import { storedEvents } from './stored-events.ts';
import { AppendRace, writeEvents, type WriteOptions } from './write-events.ts';

const MAX_ATTEMPTS = 5;

/**
 * Appends a batch that spans many streams in one transaction. Events already stored (same id and
 * content) are skipped and report their original position, so a redelivered batch stores nothing
 * twice; the same id with other content is a DuplicateEventConflict.
 */
export async function appendMany(sql: PoolSql, batch: NewEvent[], options: WriteOptions = {}): Promise<AppendManyResult> {
  if (batch.length === 0) return { positions: new Map(), appended: 0, lastPosition: 0 };
  const all = [...dedupeById(batch).values()];
  // Redeliveries are rare: insert first and look for stored ids only if the id key refuses one.
  try {
    return result(all, [], await writeEvents(sql, all, options));
  } catch (err) {
    if (!(err instanceof AppendRace)) throw err;
  }
  for (let attempt = 1; ; attempt++) {
    try {
      return await appendWhatIsNew(sql, all, options);
    } catch (err) {
      // Another writer stored one of these ids meanwhile: decide again on what is stored now.
      if (!(err instanceof AppendRace) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

async function appendWhatIsNew(sql: PoolSql, all: NewEvent[], options: WriteOptions): Promise<AppendManyResult> {
  const stored = await storedEvents(sql, all);
  const conflict = stored.find((r) => !r.same);
  if (conflict) throw new DuplicateEventConflict(conflict.id, `in ${conflict.stream} with other content`);
  const storedIds = new Set(stored.map((r) => r.id));
  const fresh = all.filter((e) => !storedIds.has(e.id.toLowerCase()));
  return result(all, stored, fresh.length > 0 ? await writeEvents(sql, fresh, options) : []);
}

/** Answers by the ids the caller used (PostgreSQL prints uuids in lower case). */
function result(all: NewEvent[], stored: { id: string; position: number }[], inserted: { id: string; position: number }[]): AppendManyResult {
  const byId = new Map<string, number>();
  for (const row of [...stored, ...inserted]) byId.set(row.id, row.position);
  const positions = new Map(all.map((e) => [e.id, byId.get(e.id.toLowerCase())!]));
  let lastPosition = 0;
  for (const p of positions.values()) if (p > lastPosition) lastPosition = p;
  return { positions, appended: inserted.length, lastPosition };
}

/** The first of each id wins; a repeat with other content in the same batch is a conflict. */
function dedupeById(batch: NewEvent[]): Map<string, NewEvent> {
  const byId = new Map<string, NewEvent>();
  for (const e of batch) {
    const seen = byId.get(e.id.toLowerCase());
    if (!seen) byId.set(e.id.toLowerCase(), e);
    else if (seen.stream !== e.stream || seen.type !== e.type || !isDeepStrictEqual(seen.data, e.data)) {
      throw new DuplicateEventConflict(e.id, 'twice in one batch with other content');
    }
  }
  return byId;
}
