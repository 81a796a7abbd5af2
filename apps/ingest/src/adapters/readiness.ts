import type { NatsConnection } from '@nats-io/transport-node';
import type { Sql } from '@pulse/platform';
import { NotReady } from '../domain/errors.ts';

/** Checks the dependencies the process needs to do its work: NATS and PostgreSQL. */
export class Readiness {
  constructor(
    private readonly nc: NatsConnection,
    private readonly sql: Sql,
    private readonly timeoutMs = 1500,
  ) {}

  async check(): Promise<{ status: 'ready' }> {
    const [nats, postgres] = await Promise.all([
      probe(() => this.nc.rtt(), this.timeoutMs),
      probe(() => this.sql`SELECT 1`, this.timeoutMs),
    ]);
    const down: Record<string, string> = {};
    if (nats) down.nats = nats;
    if (postgres) down.postgres = postgres;
    if (Object.keys(down).length > 0) throw new NotReady(down);
    return { status: 'ready' };
  }
}

/** Resolves to undefined when `check` succeeds in time, else to why it did not. */
async function probe(check: () => PromiseLike<unknown>, timeoutMs: number): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`did not answer within ${timeoutMs} ms`), timeoutMs);
  });
  try {
    return await Promise.race([
      Promise.resolve(check()).then(
        () => undefined,
        (err: Error) => `is down (${err.message})`,
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
