import type { Sql } from 'postgres';
import type { AppendManyResult, NewEvent } from '../port.ts';
import { DuplicateEventConflict } from '../port.ts';
import { currentVersions, insertEvents, storedEvents, upsertStreamVersions } from './insert-events.ts';
import { APPEND_LOCK_KEY } from './rows.ts';

/**
 * Appends a batch that spans many streams in one transaction. Events already stored (same id)
 * are skipped and report their original position, so a redelivered batch stores nothing twice.
 */
export async function appendMany(sql: Sql, batch: NewEvent[]): Promise<AppendManyResult> {
  if (batch.length === 0) return { positions: new Map(), appended: 0, lastPosition: 0 };
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${APPEND_LOCK_KEY})`;
    const unique = dedupeById(batch);
    const stored = await storedEvents(tx, [...unique.keys()]);
    const positions = new Map<string, number>();
    for (const row of stored) {
      const wanted = unique.get(row.id)!;
      if (wanted.stream !== row.stream || wanted.type !== row.type) {
        throw new DuplicateEventConflict(row.id, `in ${row.stream} as ${row.type}`);
      }
      positions.set(row.id, row.position);
      unique.delete(row.id);
    }
    const fresh = [...unique.values()];
    const versions = await currentVersions(tx, [...new Set(fresh.map((e) => e.stream))]);
    const next = new Map<string, { tenant: string; version: number }>();
    const versioned = fresh.map((e) => {
      const version = (next.get(e.stream)?.version ?? versions.get(e.stream) ?? -1) + 1;
      next.set(e.stream, { tenant: e.tenant, version });
      return { ...e, streamVersion: version };
    });
    const inserted = await insertEvents(tx, versioned);
    await upsertStreamVersions(tx, next);
    for (const [id, pos] of inserted) positions.set(id, pos);
    const lastPosition = Math.max(0, ...positions.values());
    if (inserted.size > 0) await tx`SELECT pg_notify('pulse_events', ${String(lastPosition)})`;
    return { positions, appended: inserted.size, lastPosition };
  });
}

function dedupeById(batch: NewEvent[]): Map<string, NewEvent> {
  const byId = new Map<string, NewEvent>();
  for (const e of batch) if (!byId.has(e.id)) byId.set(e.id, e);
  return byId;
}
