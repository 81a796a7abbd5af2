import { afterAll, beforeAll, expect, it } from 'vitest';
import { waitFor } from '@pulse/testkit';
import { heartbeat } from './events.fixture.ts';
import { createFixture, postEvents, startIngest, type Fixture, type IngestApp, type ProblemBody } from './harness.ts';

let f: Fixture;
const apps: IngestApp[] = [];

beforeAll(async () => {
  f = await createFixture();
});
afterAll(async () => {
  await Promise.all(apps.map((a) => a.app.stop()));
  await f?.cleanup();
});

async function expect429(res: Response): Promise<ProblemBody> {
  expect(res.status).toBe(429);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
  return (await res.json()) as ProblemBody;
}

it('answers 429 with Retry-After once the recorder lags past the threshold (no recorder runs here)', async () => {
  const edge = await startIngest(f, { INGEST_ROLES: 'edge', INGEST_BACKPRESSURE_LAG: '3' });
  apps.push(edge);
  for (let i = 0; i < 4; i++) expect((await postEvents(edge.url, heartbeat(), { key: f.key })).status).toBe(202);
  const problem = await waitFor(
    async () => {
      const res = await postEvents(edge.url, heartbeat(), { key: f.key });
      return res.status === 429 ? expect429(res) : undefined;
    },
    { what: '429 from backpressure', intervalMs: 200 },
  );
  expect(problem.detail).toMatch(/behind/);
});

it('answers 429 with Retry-After when a tenant passes its rate limit', async () => {
  const edge = await startIngest(f, { INGEST_ROLES: 'edge', INGEST_BACKPRESSURE_LAG: '0', INGEST_TENANT_RATE: '1', INGEST_TENANT_BURST: '100' });
  apps.push(edge);
  const many = Array.from({ length: 100 }, () => heartbeat());
  expect((await postEvents(edge.url, many, { key: f.key })).status).toBe(202);
  const problem = await expect429(await postEvents(edge.url, Array.from({ length: 10 }, () => heartbeat()), { key: f.key }));
  expect(problem.detail).toMatch(/rate limit/);
});
