import type { Sql as PoolSql } from 'postgres';
import type { RecordedEvent } from '@pulse/events';
import type { ReadAllOptions, SubscribeOptions } from '../port.ts';
import { settledHead } from './head-position.ts';
import { readAllQuery } from './read-all.ts';
import { settled, storeHorizon, type CategoryMaxAge } from './retention-filter.ts';
import { EVENTS_CHANNEL, inReadTransaction, toRecordedEvents, type RecordedEventRow } from './rows.ts';

export interface SubscriptionTuning {
  pageSize?: number;
  /** The fallback when notifications are lost: look anyway after this long. */
  pollMs?: number;
}

/**
 * Catch-up, then live, as one pull-based loop: read a page of settled rows after the cursor, hand
 * each event to the consumer (the generator waits at `yield` until the consumer asks for more, so
 * nothing piles up), and when a page comes back short, sleep until a notification, the poll
 * interval or an abort. Catch-up and live are the same query, so the handover has no gap and no
 * duplicate: the cursor only moves past rows that the reader has settled.
 */
export async function* subscribe(
  sql: PoolSql,
  options: SubscribeOptions,
  categoryMaxAge: CategoryMaxAge,
  tuning: SubscriptionTuning = {},
): AsyncGenerator<RecordedEvent, void, undefined> {
  const { filter = {}, signal } = options;
  const pageSize = tuning.pageSize ?? 1000;
  const wake = new WakeUp(tuning.pollMs ?? 1000, signal);
  // LISTEN before the first read, so a commit between that read and the wait is not missed.
  const listener = await sql.listen(EVENTS_CHANNEL, (payload) => wake.notified(Number(payload)));
  let next: ReturnType<typeof readPage> | undefined;
  try {
    let cursor = await startPosition(sql, options.from);
    next = readPage(sql, { fromPosition: cursor, limit: pageSize, filter }, categoryMaxAge);
    while (!signal?.aborted) {
      const page = await next!;
      next = undefined;
      const full = page.events.length === pageSize;
      // While catching up, read the next page as the consumer works through this one: one page
      // ahead at most, so memory stays bounded however slow the consumer is.
      if (full)
        next = readPage(
          sql,
          { fromPosition: page.events.at(-1)!.position, limit: pageSize, filter },
          categoryMaxAge,
        );
      for (const event of page.events) {
        cursor = event.position;
        yield event;
        if (signal?.aborted) return;
      }
      if (full) continue;
      // A short page holds every matching row up to the settled head of the same snapshot, so a
      // filtered subscription may move past the rows it does not want.
      cursor = Math.max(cursor, page.settledHead);
      await wake.after(cursor);
      next = readPage(sql, { fromPosition: cursor, limit: pageSize, filter }, categoryMaxAge);
    }
  } finally {
    next?.catch(() => {});
    wake.dispose();
    await listener.unlisten().catch(() => {});
  }
}

async function startPosition(sql: PoolSql, from: SubscribeOptions['from'] = 'start'): Promise<number> {
  if (from === 'start') return 0;
  if (from === 'end') return settledHead(sql);
  return from;
}

/**
 * A page and the settled head, read in one REPEATABLE READ transaction so that both see the same
 * snapshot, in one pipelined flight. (One statement that returned the head on every row cost the
 * client ~2 µs per event to strip it again.)
 */
async function readPage(sql: PoolSql, options: ReadAllOptions, categoryMaxAge: CategoryMaxAge) {
  // One horizon for both: each statement computing its own could see a later one.
  const [, rows, head] = await inReadTransaction(sql, 'REPEATABLE READ', (conn) => [
    storeHorizon(conn),
    readAllQuery(conn, options, categoryMaxAge, true),
    conn<
      { head: number }[]
    >`SELECT coalesce(max(e.position), 0) AS head FROM events e WHERE ${settled(conn, true)}`,
  ]);
  return {
    events: toRecordedEvents(rows as RecordedEventRow[]),
    settledHead: (head as { head: number }[])[0]!.head,
  };
}

/**
 * Decides how long a caught-up subscription sleeps. A notification names a committed position.
 * If it is beyond the cursor and the last read made progress, read again at once. If it is beyond
 * the cursor and the last read made none, a lower position is still in flight and holds the
 * settled head back: look again soon, backing off, rather than wait for a notification that has
 * already come. Otherwise sleep until a notification, the poll interval or an abort.
 */
class WakeUp {
  private latest = 0;
  private lastCursor = -1;
  private backoffMs = 0;
  private sleeping: { done: () => void; byNotification: boolean } | undefined;

  constructor(
    private readonly pollMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener('abort', this.onAbort);
  }

  notified(position: number) {
    if (position > this.latest) this.latest = position;
    if (this.sleeping?.byNotification) this.sleeping.done();
  }

  after(cursor: number): Promise<void> {
    const progressed = cursor > this.lastCursor;
    this.lastCursor = cursor;
    if (this.signal?.aborted) return Promise.resolve();
    const behind = this.latest > cursor;
    if (behind && progressed) {
      this.backoffMs = 0;
      return Promise.resolve();
    }
    this.backoffMs = behind ? Math.min(Math.max(1, this.backoffMs * 2), this.pollMs) : 0;
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.sleeping = undefined;
        resolve();
      };
      const timer = setTimeout(done, behind ? this.backoffMs : this.pollMs);
      // While backing off, a notification is no news: the position it names is already known.
      this.sleeping = { done, byNotification: !behind };
    });
  }

  private readonly onAbort = () => this.sleeping?.done();

  dispose() {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.sleeping?.done();
  }
}
