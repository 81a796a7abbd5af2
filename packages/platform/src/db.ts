import { fileURLToPath } from 'node:url';
import postgres from 'postgres';
import { runner } from 'node-pg-migrate';

export type Sql = postgres.Sql;

/**
 * One PostgreSQL client per process. Positions are bigint in the database and `number` in
 * TypeScript, decided here once: 2^53 events is far beyond any store this runs.
 */
export function createSql(url: string, options: { max?: number; name?: string } = {}): Sql {
  return postgres(url, {
    max: options.max ?? 10,
    connection: {
      application_name: options.name ?? 'pulse',
      // Pages this session evicts from shared buffers go to the disk in 256 kB steps, not whenever
      // the kernel's 30 s writeback expiry catches up with hundreds of MB of them at once: such a
      // burst held commits behind it for 100-200 ms (bench:projector, BENCHMARKS.md).
      backend_flush_after: '256kB',
    },
    onnotice: () => {},
    types: {
      bigint: { to: 20, from: [20], serialize: (v: number | bigint) => String(v), parse: (v: string) => Number(v) },
    },
  });
}

const migrationsDir = fileURLToPath(new URL('../migrations', import.meta.url));

/** Applies every pending migration (node-pg-migrate), under its advisory lock. */
export async function migrate(databaseUrl: string, log: (msg: string) => void = () => {}): Promise<string[]> {
  const applied = await runner({
    databaseUrl,
    dir: migrationsDir,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    count: Infinity,
    singleTransaction: true,
    log,
    logger: { debug: () => {}, info: log, warn: log, error: log },
  });
  return applied.map((m) => m.name);
}
