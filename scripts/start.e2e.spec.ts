/**
 * `npm start` as a person runs it: everything comes up, the board answers, and Ctrl-C (SIGINT to
 * the whole foreground process group, as a terminal sends it) leaves no process behind.
 */
import { spawn, execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestBus, createTestDatabase, freePort, waitFor, type TestBus, type TestDatabase } from '@pulse/testkit';

const root = path.resolve(import.meta.dirname, '..');
let db: TestDatabase, bus: TestBus;

beforeAll(async () => {
  [db, bus] = await Promise.all([createTestDatabase(), createTestBus()]);
});
afterAll(async () => {
  await Promise.all([db?.drop(), bus?.drop()]);
});

function processesInGroup(pgid: number): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((line) => line.trim().split(/\s+/)[1] === String(pgid));
}

it('starts ingest, projector, web and the demo fleet, then stops all of them on Ctrl-C', async () => {
  const [webPort, ingestPort] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, ['scripts/bootstrap.mjs', 'start', '--machines', '20'], {
    cwd: root,
    detached: true, // its own process group, like a shell job
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      NATS_URL: bus.url,
      NATS_PREFIX: bus.prefix,
      PORT: String(webPort),
      INGEST_PORT: String(ingestPort),
      PULSE_DEMO_KEY: 'pk_demo_start_test_key',
      LOG_PRETTY: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));

  try {
    await waitFor(() => /Pulse is up/.test(out), { timeoutMs: 90_000, what: `"Pulse is up" in:\n${out}` });
    expect(out).toContain(`http://127.0.0.1:${webPort}/fleet`);
    expect(out).toContain('pk_demo_start_test_key');
    // The demo fleet reaches the board through the whole pipeline.
    const machines = await waitFor(
      async () => {
        const [row] = await db.sql<{ n: number }[]>`SELECT count(*)::int AS n FROM read_machines WHERE tenant = 'demo'`;
        return row!.n >= 20 ? row!.n : 0;
      },
      { timeoutMs: 60_000, what: 'the demo fleet in the read model' },
    );
    expect(machines).toBe(20);
    expect((await fetch(`http://127.0.0.1:${webPort}/fleet`)).status).toBe(200);
  } finally {
    process.kill(-child.pid!, 'SIGINT');
  }
  await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000))]);
  await waitFor(() => processesInGroup(child.pid!).length === 0, { timeoutMs: 10_000, what: 'no process left in the group' });
  expect(processesInGroup(child.pid!)).toEqual([]);
  for (const port of [webPort, ingestPort]) {
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow();
  }
}, 240_000);
