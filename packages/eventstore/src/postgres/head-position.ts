import { settled } from './retention-filter.ts';
import type { Sql } from './rows.ts';

/** The highest committed position (what an append that just returned can be compared with). */
export async function headPosition(sql: Sql): Promise<number> {
  const [row] = await sql<{ head: number | null }[]>`SELECT max(position) AS head FROM events`;
  return row?.head ?? 0;
}

/**
 * The highest position below which no event can still appear: every transaction that took a
 * lower position has finished. A subscription from 'end' starts here, so it skips nothing that
 * commits after it started.
 */
export async function settledHead(sql: Sql): Promise<number> {
  const [row] = await sql<{ head: number | null }[]>`SELECT max(e.position) AS head FROM events e WHERE ${settled(sql)}`;
  return row?.head ?? 0;
}
