import type { StreamMetadata } from '../port.ts';
import type { Sql } from './rows.ts';

/** Replaces a stream's retention metadata; empty metadata removes the row. */
export async function setStreamMetadata(sql: Sql, stream: string, metadata: StreamMetadata): Promise<void> {
  const maxAge = metadata.maxAge ?? null;
  const truncateBefore = metadata.truncateBefore ?? null;
  if (maxAge === null && truncateBefore === null) {
    await sql`DELETE FROM stream_metadata WHERE stream = ${stream}`;
    return;
  }
  await sql`
    INSERT INTO stream_metadata (stream, max_age, truncate_before)
    VALUES (${stream}, ${maxAge}, ${truncateBefore})
    ON CONFLICT (stream) DO UPDATE
      SET max_age = excluded.max_age, truncate_before = excluded.truncate_before, updated_at = now()`;
}

export async function getStreamMetadata(sql: Sql, stream: string): Promise<StreamMetadata> {
  const [row] = await sql<{ max_age: number | null; truncate_before: number | null }[]>`
    SELECT max_age, truncate_before FROM stream_metadata WHERE stream = ${stream}`;
  const metadata: StreamMetadata = {};
  if (row?.max_age != null) metadata.maxAge = row.max_age;
  if (row?.truncate_before != null) metadata.truncateBefore = row.truncate_before;
  return metadata;
}
