/**
 * The agent, the sender and the simulator against a stand-in for ingest: a node:http server on a
 * free port that records what arrives and answers as the test says.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { toInboxEvent } from '@pulse/events';
import { createSender, IngestRejectedError, type FailedAttempt } from './sender.ts';
import { startSimulator } from './simulator.ts';

interface Received {
  authorization: string | undefined;
  body: unknown;
}
interface Answer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

const servers: http.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const asList = (body: unknown): Record<string, unknown>[] =>
  (Array.isArray(body) ? body : [body]) as Record<string, unknown>[];
const accept = (body: unknown): Answer => ({
  status: 202,
  body: { accepted: asList(body).length, ids: asList(body).map((e) => e.id) },
});

async function stubIngest(answer: (request: number, body: unknown) => Answer = (_, body) => accept(body)) {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const body: unknown = JSON.parse(text);
      received.push({ authorization: req.headers.authorization, body });
      const a = answer(received.length, body);
      const type = a.status >= 400 ? 'application/problem+json' : 'application/json';
      res.writeHead(a.status, { 'content-type': type, ...a.headers }).end(JSON.stringify(a.body ?? {}));
    });
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** What the edge would make of an event: the catalog's envelope and data schemas, as ingest applies them. */
function asIngestWould(event: unknown) {
  const result = toInboxEvent(event, {
    tenant: 'demo',
    receivedAt: new Date().toISOString(),
    newId: randomUUID,
  });
  if (!result.ok) throw new Error(`rejected by the catalog: ${JSON.stringify(result.issues)}`);
  return result.value;
}

function runAgent(args: string[]): Promise<{ code: number | null; output: string }> {
  const root = fileURLToPath(new URL('../../../', import.meta.url));
  const agent = fileURLToPath(new URL('./agent.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', agent, ...args], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (c) => (output += c));
  child.stderr.on('data', (c) => (output += c));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, output })));
}

describe('agent --once', () => {
  it('registers this machine, sends one heartbeat of its real vitals, and exits 0', async () => {
    const ingest = await stubIngest();
    const { code, output } = await runAgent(['--url', ingest.url, '--key', 'test-ingest-key', '--once']);

    expect(code, output).toBe(0);
    expect(ingest.received.map((r) => r.authorization)).toEqual([
      'Bearer test-ingest-key',
      'Bearer test-ingest-key',
    ]);
    const [registered, heartbeat] = ingest.received.map((r) => asIngestWould(r.body));
    expect(registered!.type).toBe('machine.registered');
    expect(heartbeat!.type).toBe('machine.heartbeat');
    // The client's id is kept (so a retry is recognised), and the stream follows from the machine id.
    expect(heartbeat!.id).toBe((ingest.received[1]!.body as { id: string }).id);
    expect(heartbeat!.stream).toBe(`machine-demo.${heartbeat!.data.machineId as string}`);
    expect(heartbeat!.source).toBe(`agent:${heartbeat!.data.machineId as string}`);
    expect(heartbeat!.data).toMatchObject({ hostname: os.hostname(), agentVersion: '0.1.0' });
    expect(heartbeat!.data.uptimeS).toBeGreaterThan(0);
  });

  it('refuses a bad command line with a message naming the flag, exit code 2', async () => {
    const { code, output } = await runAgent(['--url', 'localhost', '--key', 'k', '--interval', '0']);
    expect(code).toBe(2);
    expect(output).toContain('--url: must be an http(s) URL');
    expect(output).toContain('--interval: must be at least 1');
  });
});

describe('sender', () => {
  const event = () => ({
    id: randomUUID(),
    type: 'machine.heartbeat' as const,
    occurredAt: new Date().toISOString(),
    source: 'agent:test-01',
    data: {
      machineId: 'test-01',
      hostname: 'test-01',
      os: 'Debian 12',
      cpuPct: 1,
      memPct: 2,
      diskPct: 3,
      uptimeS: 4,
      agentVersion: '0.1.0',
    },
  });
  const fast = { retries: 5, minTimeoutMs: 10, maxTimeoutMs: 50 };

  it('retries the same event after 503s until ingest accepts it', async () => {
    const ingest = await stubIngest((n, body) =>
      n <= 2
        ? {
            status: 503,
            body: { title: 'Service Unavailable', status: 503, detail: 'JetStream is not ready' },
          }
        : accept(body),
    );
    const failures: FailedAttempt[] = [];
    const sender = createSender({
      url: ingest.url,
      key: 'k',
      retry: fast,
      onAttemptFailed: (f) => failures.push(f),
    });
    const e = event();

    const result = await sender.send(e);

    expect(result).toEqual({ accepted: 1, ids: [e.id], attempts: 3 });
    expect(ingest.received.map((r) => (r.body as { id: string }).id)).toEqual([e.id, e.id, e.id]);
    expect(failures.map((f) => [f.attempt, f.willRetry, f.error.status])).toEqual([
      [1, true, 503],
      [2, true, 503],
    ]);
    expect(failures[0]!.error.message).toContain('JetStream is not ready');
  });

  it('retries a 429, honouring Retry-After', async () => {
    const ingest = await stubIngest((n, body) =>
      n === 1
        ? { status: 429, body: { title: 'Too Many Requests' }, headers: { 'retry-after': '0' } }
        : accept(body),
    );
    const result = await createSender({ url: ingest.url, key: 'k', retry: fast }).send([event(), event()]);
    expect(result.attempts).toBe(2);
    expect(result.accepted).toBe(2);
  });

  it('does not retry a 4xx, and reports the problem', async () => {
    const problem = { title: 'Invalid event', status: 422, detail: 'data.cpuPct must be at most 100' };
    const ingest = await stubIngest(() => ({ status: 422, body: problem }));
    const err = await createSender({ url: ingest.url, key: 'k', retry: fast })
      .send(event())
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestRejectedError);
    expect((err as IngestRejectedError).status).toBe(422);
    expect((err as IngestRejectedError).message).toBe('422 Invalid event: data.cpuPct must be at most 100');
    expect(ingest.received).toHaveLength(1);
  });

  it('gives up on an unreachable ingest after its retries', async () => {
    // A port that was free a moment ago: nothing listens there, so the connection is refused.
    const closed = http.createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const unreachable = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const failures: FailedAttempt[] = [];
    const sender = createSender({
      url: unreachable,
      key: 'k',
      retry: { retries: 2, minTimeoutMs: 10, maxTimeoutMs: 20 },
      onAttemptFailed: (f) => failures.push(f),
    });
    await expect(sender.send(event())).rejects.toThrow(/unreachable: .*ECONNREFUSED/);
    expect(failures.map((f) => f.willRetry)).toEqual([true, true, false]);
  });
});

describe('simulator', () => {
  it('registers the fleet first, then sends heartbeats in one request per tick', async () => {
    const ingest = await stubIngest();
    const sim = startSimulator({
      url: ingest.url,
      key: 'k',
      machines: 40,
      intervalS: 1,
      tickMs: 100,
      seed: 1,
      log: { info: () => {}, warn: () => {}, error: () => {} },
    });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await sim.stop();

    const requests = ingest.received.map((r) => asList(r.body).map(asIngestWould));
    expect(requests[0]!.map((e) => e.type)).toEqual(Array(40).fill('machine.registered'));
    // Heartbeats, and in the same requests whatever else the model says (an alert of a spike under
    // way at start, say); asIngestWould has checked each against the catalog.
    const later = requests.slice(1);
    expect(later.flat().filter((e) => e.type === 'machine.heartbeat').length).toBeGreaterThanOrEqual(40);
    expect(
      later.flat().every((e) => ['machine.heartbeat', 'alert.raised', 'alert.resolved'].includes(e.type)),
    ).toBe(true);
    // 40 machines over a 1 s interval in 100 ms ticks: about 4 per request, never one request each.
    expect(later.length).toBeGreaterThanOrEqual(5);
    expect(later.length).toBeLessThanOrEqual(20);
    expect(Math.max(...later.map((r) => r.length))).toBeLessThanOrEqual(10);
    expect(
      new Set(later.flat().flatMap((e) => (e.type === 'machine.heartbeat' ? [e.data.machineId] : []))).size,
    ).toBe(40);
    expect(sim.stats()).toMatchObject({
      machines: 40,
      registered: 40,
      sentEvents: requests.flat().length,
      failedRequests: 0,
    });
  });
});
