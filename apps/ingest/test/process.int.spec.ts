import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startApp } from '@pulse/testkit';
import { createFixture, startIngest, type Fixture, type ProblemBody } from './harness.ts';

let f: Fixture;

beforeAll(async () => {
  f = await createFixture();
});
afterAll(() => f?.cleanup());

describe('the ingest process', () => {
  it('refuses a bad setting with a message that names it', async () => {
    const app = startApp('ingest', {
      DATABASE_URL: 'mysql://nope',
      INGEST_PORT: 'eighty',
      NATS_PREFIX: f.bus.prefix,
    });
    const code = await new Promise<number | null>((resolve) => app.child.once('exit', resolve));
    expect(code).toBe(2);
    expect(app.output()).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
    expect(app.output()).toMatch(/INGEST_PORT: /);
  });

  it('reports PostgreSQL down on /readyz while staying alive, and stops cleanly on SIGTERM', async () => {
    const unreachable = new URL(f.db.url);
    unreachable.port = String(await freePort());
    const { app, url } = await startIngest(f, { DATABASE_URL: unreachable.toString(), INGEST_ROLES: 'edge' });
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    const res = await fetch(`${url}/readyz`);
    expect(res.status).toBe(503);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await res.json()) as ProblemBody;
    expect(problem.down).toEqual({ postgres: expect.stringMatching(/^is down/) });
    expect(await app.stop()).toBe(0);
    expect(app.output()).toMatch(/ingest stopped/);
  });
});
