import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@pulse/testkit';
import { addProvisioningSecret } from '../src/adapters/machine-tokens.ts';
import { createFixture, startIngest, type Fixture, type IngestApp, type ProblemBody } from './harness.ts';

let f: Fixture;
let ingest: IngestApp;
const secret = 'ps_acme_test_secret_0123456789';

beforeAll(async () => {
  f = await createFixture();
  await addProvisioningSecret(f.db.sql, 'acme', secret, 'test');
  ingest = await startIngest(f);
});
afterAll(async () => {
  await ingest?.app.stop();
  await f?.cleanup();
});

function call(path: string, bearer: string | undefined, body?: unknown): Promise<Response> {
  return fetch(`${ingest.url}/v1/machines/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(bearer && { authorization: `Bearer ${bearer}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
}

const machine = { hostname: 'web-07', os: 'Debian 12', agentVersion: '1.2.0', fingerprint: 'fp-web-07-aaaaaaaa' };
const vitals = { hostname: 'web-07', os: 'Debian 12', cpuPct: 12, memPct: 30, diskPct: 40, uptimeS: 100, agentVersion: '1.2.0' };

async function eventTypes(machineId: string): Promise<string[]> {
  const rows = await f.db.sql<{ type: string }[]>`
    SELECT type FROM events WHERE stream = ${`machine-acme.${machineId}`} ORDER BY stream_version`;
  return rows.map((r) => r.type);
}

describe('machine registration and tokens', () => {
  let token: string;
  let machineId: string;

  it('registers a machine with the provisioning secret and returns its id and token, stored as a hash', async () => {
    const res = await call('register', secret, machine);
    expect(res.status).toBe(201);
    const body = (await res.json()) as { machineId: string; token: string; tokenId: string; expiresAt: string; registered: boolean };
    expect(body).toMatchObject({ machineId: expect.stringMatching(/^m-[0-9a-f]{16}$/), token: expect.stringMatching(/^mt_tok_/), registered: true });
    ({ token, machineId } = body);
    const [row] = await f.db.sql`SELECT token_hash, fingerprint FROM machine_tokens WHERE token_id = ${body.tokenId}`;
    expect(row!.token_hash).not.toContain(token);
    expect(row!.fingerprint).toBe(machine.fingerprint);
    await waitFor(async () => (await eventTypes(machineId)).includes('machine.registered'), { what: 'machine.registered stored' });
  });

  it('takes heartbeats with the machine token, renewing its TTL, and stores them on the token’s machine', async () => {
    await f.db.sql`UPDATE machine_tokens SET expires_at = now() + interval '1 minute' WHERE machine_id = ${machineId}`;
    const res = await call('heartbeat', token, vitals);
    expect(res.status).toBe(202);
    const body = (await res.json()) as { tokenExpiresAt: string };
    expect(new Date(body.tokenExpiresAt).getTime()).toBeGreaterThan(Date.now() + 24 * 3600_000);
    await waitFor(async () => (await eventTypes(machineId)).includes('machine.heartbeat'), { what: 'heartbeat stored' });
  });

  it('refuses a bad secret, an unknown token and a heartbeat for another machine', async () => {
    expect((await call('register', 'nope', machine)).status).toBe(401);
    const unknown = await call('heartbeat', 'mt_tok_x_y', vitals);
    expect(unknown.status).toBe(401);
    expect(((await unknown.json()) as ProblemBody).reason).toBe('unknown');
    expect((await call('heartbeat', token, { ...vitals, machineId: 'other' })).status).toBe(422);
    expect((await call('register', secret, { ...machine, fingerprint: 'x' })).status).toBe(422);
  });

  it('rotates: the new token works, the old one gets 401 revoked, and machine.token_rotated is stored', async () => {
    const res = await call('rotate', token);
    expect(res.status).toBe(201);
    const rotated = (await res.json()) as { token: string; machineId: string };
    expect(rotated.machineId).toBe(machineId);
    const old = await call('heartbeat', token, vitals);
    expect(old.status).toBe(401);
    expect(((await old.json()) as ProblemBody).reason).toBe('revoked');
    expect((await call('heartbeat', rotated.token, vitals)).status).toBe(202);
    await waitFor(async () => (await eventTypes(machineId)).includes('machine.token_rotated'), { what: 'rotation stored' });
    token = rotated.token;
  });

  it('refuses an expired token with its reason; registering again with the same fingerprint rotates', async () => {
    await f.db.sql`UPDATE machine_tokens SET expires_at = now() - interval '1 second' WHERE machine_id = ${machineId} AND revoked_at IS NULL`;
    const expired = await call('heartbeat', token, vitals);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as ProblemBody).reason).toBe('expired');
    const again = (await (await call('register', secret, machine)).json()) as { machineId: string; registered: boolean };
    expect(again).toMatchObject({ machineId, registered: false });
    const clash = await call('register', secret, { ...machine, machineId, fingerprint: 'another-fingerprint' });
    expect(clash.status).toBe(409);
  });
});
