import type { Sql, TransactionSql } from 'postgres';

/** Another writer moved a projection's checkpoint under us: this batch must not be applied. */
export class CheckpointMoved extends Error {
  override name = 'CheckpointMoved';
  constructor(
    readonly projection: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`checkpoint of ${projection} is at ${actual}, expected ${expected}`);
  }
}

/** Makes sure the projection's checkpoint row exists (so it can be locked) and returns its position. */
export async function ensureCheckpoint(sql: Sql, projection: string): Promise<number> {
  await sql`INSERT INTO projection_checkpoints (projection, position) VALUES (${projection}, 0)
            ON CONFLICT (projection) DO NOTHING`;
  const [row] = await sql<{ position: number }[]>`
    SELECT position FROM projection_checkpoints WHERE projection = ${projection}`;
  return row!.position;
}

/**
 * Locks the checkpoint for the rest of the transaction and checks it is where this batch starts.
 * This is what makes "exactly once" hold even if two projectors run, or if a commit succeeded but
 * its answer was lost: the second attempt finds the checkpoint moved and applies nothing.
 */
export async function claimCheckpoint(
  tx: TransactionSql,
  projection: string,
  expected: number,
): Promise<void> {
  const [row] = await tx<{ position: number }[]>`
    SELECT position FROM projection_checkpoints WHERE projection = ${projection} FOR UPDATE`;
  const actual = row?.position ?? 0;
  if (actual !== expected) throw new CheckpointMoved(projection, expected, actual);
}

export async function storeCheckpoint(
  tx: TransactionSql,
  projection: string,
  position: number,
): Promise<void> {
  await tx`UPDATE projection_checkpoints SET position = ${position}, updated_at = now()
           WHERE projection = ${projection}`;
}

/**
 * Moves the checkpoint from `expected` to `to` as the transaction's first statement: the row stays
 * locked until commit (as with claimCheckpoint), and one round trip does both the claim and the
 * store. If another writer moved it first, nothing changes and CheckpointMoved says where it is.
 */
export async function advanceCheckpoint(
  tx: TransactionSql,
  projection: string,
  expected: number,
  to: number,
): Promise<void> {
  const moved = await tx`UPDATE projection_checkpoints SET position = ${to}, updated_at = now()
                         WHERE projection = ${projection} AND position = ${expected}`;
  if (moved.count === 1) return;
  // No row yet is a checkpoint at 0: create it at the new position (a racing creator wins instead).
  if (expected === 0) {
    const created =
      await tx`INSERT INTO projection_checkpoints (projection, position) VALUES (${projection}, ${to})
                             ON CONFLICT (projection) DO NOTHING`;
    if (created.count === 1) return;
  }
  const [row] = await tx<{ position: number }[]>`
    SELECT position FROM projection_checkpoints WHERE projection = ${projection}`;
  throw new CheckpointMoved(projection, expected, row?.position ?? 0);
}

/**
 * Claims several checkpoints for the rest of the transaction, in name order (the order a rebuild's
 * swap locks them in, so the two never deadlock), and checks each is where its batch starts.
 * Returns the transaction id that last wrote them if it is one for all (else undefined): a
 * writer other than the caller's last `storeCheckpoints` means someone else wrote them.
 */
export async function claimCheckpoints(
  tx: TransactionSql,
  expected: ReadonlyMap<string, number>,
): Promise<string | undefined> {
  const rows = await tx<{ projection: string; position: number; writer: string }[]>`
    SELECT projection, position, xmin::text AS writer FROM projection_checkpoints
    WHERE projection = ANY(${[...expected.keys()]}::text[]) ORDER BY projection FOR UPDATE`;
  const actual = new Map(rows.map((r) => [r.projection, r.position]));
  for (const [projection, position] of expected) {
    // No row (-1): the caller makes it again (ensureCheckpoint) and resumes from it.
    const at = actual.get(projection) ?? -1;
    if (at !== position) throw new CheckpointMoved(projection, position, at);
  }
  const writers = new Set(rows.map((r) => r.writer));
  return writers.size === 1 ? [...writers][0] : undefined;
}

/** Moves several claimed checkpoints to one position in one statement; returns the writing transaction's id. */
export async function storeCheckpoints(
  tx: TransactionSql,
  projections: string[],
  position: number,
): Promise<string | undefined> {
  const rows = await tx<{ writer: string }[]>`
    UPDATE projection_checkpoints SET position = ${position}, updated_at = now()
    WHERE projection = ANY(${projections}::text[]) RETURNING xmin::text AS writer`;
  return rows[0]?.writer;
}
