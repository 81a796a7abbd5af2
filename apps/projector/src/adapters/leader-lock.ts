import type { ReservedSql, Sql } from 'postgres';

/** The session advisory lock that makes one projector active; any others wait as hot standbys. */
export const PROJECTOR_LOCK_KEY = 4_711_000_002;

export interface Leadership {
  release: () => Promise<void>;
}

/**
 * Waits until this process holds the projector lock, or `isStopping()` turns true (then undefined).
 * The lock lives on a reserved connection, so it goes away with the process, even on SIGKILL.
 * Correctness does not rest on it (each batch also claims its checkpoint); it saves a standby from
 * doing every batch twice.
 */
export async function acquireLeadership(
  sql: Sql,
  o: { retryMs: number; isStopping: () => boolean; onWaiting: () => void },
): Promise<Leadership | undefined> {
  const conn: ReservedSql = await sql.reserve();
  let waitingReported = false;
  while (!o.isStopping()) {
    const [row] = await conn<
      { locked: boolean }[]
    >`SELECT pg_try_advisory_lock(${PROJECTOR_LOCK_KEY}::bigint) AS locked`;
    if (row!.locked) {
      return {
        release: async () => {
          await conn`SELECT pg_advisory_unlock(${PROJECTOR_LOCK_KEY}::bigint)`.catch(() => {});
          conn.release();
        },
      };
    }
    if (!waitingReported) o.onWaiting();
    waitingReported = true;
    await new Promise((r) => setTimeout(r, o.retryMs));
  }
  conn.release();
  return undefined;
}
