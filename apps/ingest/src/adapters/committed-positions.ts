import { setTimeout as sleep } from 'node:timers/promises';
import type { Sql } from '@pulse/platform';
import { CommitTimeout, DependencyUnavailable } from '../domain/errors.ts';

/**
 * Read-your-writes for `?wait=commit`: polls the event store for the global positions of
 * events the edge has just published, until every one is committed. The store is the truth —
 * a notification could be lost, a committed row cannot — and the query is one index scan on the
 * primary key of `events.id`, cheap at any polling interval used here.
 */
export class CommittedPositions {
  constructor(
    private readonly sql: Sql,
    private readonly timeoutMs: number,
  ) {}

  async waitFor(ids: string[]): Promise<Map<string, number>> {
    const deadline = Date.now() + this.timeoutMs;
    const found = new Map<string, number>();
    let delayMs = 5;
    for (;;) {
      const missing = ids.filter((id) => !found.has(id));
      let rows: { id: string; position: number }[];
      try {
        rows = await this.sql<{ id: string; position: number }[]>`
          SELECT id::text, position FROM events WHERE id = ANY(${missing}::uuid[])`;
      } catch (err) {
        throw new DependencyUnavailable('postgres', `cannot read the committed positions (${(err as Error).message})`);
      }
      for (const r of rows) found.set(r.id, r.position);
      if (found.size === ids.length) return found;
      if (Date.now() + delayMs > deadline) throw new CommitTimeout(this.timeoutMs, ids.length - found.size);
      await sleep(delayMs);
      delayMs = Math.min(delayMs * 2, 100);
    }
  }
}
