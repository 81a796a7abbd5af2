import type { Sql } from './rows.ts';

/** The committed version of each stream that exists (a missing stream is absent from the map). */
export async function currentVersions(sql: Sql, streams: string[]): Promise<Map<string, number>> {
  const rows = await sql<{ stream: string; version: number }[]>`
    SELECT stream, version FROM streams WHERE stream = ANY(${streams}::text[])`;
  return new Map(rows.map((r) => [r.stream, r.version]));
}
