import type { JsMsg } from '@nats-io/jetstream';
import { describe, expect, it } from 'vitest';
import { busNames, toInboxEvent, type InboxEvent } from '@pulse/events';
import type { NewEvent } from '@pulse/eventstore';
import { heartbeat } from '../../test/events.fixture.ts';
import { IngestMetrics } from '../adapters/metrics.ts';
import { AppendPipeline } from './append-pipeline.ts';
import type { RecordBatchDeps } from './append-pipeline.ts';

const names = busNames('pp');
const metrics = new IngestMetrics();
const silent = { warn: () => {}, info: () => {}, error: () => {} } as unknown as RecordBatchDeps['log'];

function event(machineId: string): InboxEvent {
  const r = toInboxEvent(heartbeat({ machineId }), { tenant: 'acme', receivedAt: '2026-11-25T12:00:00.000Z', newId: () => 'x' });
  if (!r.ok) throw new Error('fixture invalid');
  return r.value;
}

let seq = 0;
function msg(events: InboxEvent[]): JsMsg & { outcome?: string } {
  const m = {
    subject: names.inboxBatch('acme'),
    data: new TextEncoder().encode(JSON.stringify({ batchId: `b${seq}`, events })),
    seq: ++seq,
    redelivered: false,
    outcome: undefined as string | undefined,
    ack() { m.outcome = 'ack'; },
    nak() { m.outcome = 'nak'; },
  };
  return m as unknown as JsMsg & { outcome?: string };
}

function deps(appendMany: (events: NewEvent[]) => Promise<void>): RecordBatchDeps {
  return {
    names,
    metrics,
    log: silent,
    retryDelayMs: 0,
    appendMaxEvents: 1000,
    notifier: { notify: () => {} } as unknown as RecordBatchDeps['notifier'],
    deadLetters: { publish: async () => {} } as unknown as RecordBatchDeps['deadLetters'],
    store: {
      appendMany: async (events) => {
        await appendMany(events);
        return { positions: new Map(events.map((e, i) => [e.id, i + 1])), appended: events.length, lastPosition: events.length };
      },
    },
  };
}

describe('AppendPipeline', () => {
  it('keeps each stream in arrival order across pulls, and acks a message only after its events commit', async () => {
    const committed: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pipeline = new AppendPipeline(
      deps(async (events) => {
        await gate;
        committed.push(...events.map((e) => `${e.stream}:${(e.data as { cpuPct: number }).cpuPct}`));
      }),
      3,
    );
    const first = msg([event('a'), event('b')]);
    const second = msg([{ ...event('a'), data: { ...event('a').data, cpuPct: 99 } }]);
    await pipeline.submit([first]);
    await pipeline.submit([second]);
    expect([first.outcome, second.outcome]).toEqual([undefined, undefined]);
    release();
    await pipeline.drain();
    expect([first.outcome, second.outcome]).toEqual(['ack', 'ack']);
    const a = committed.filter((c) => c.startsWith('machine-acme.a:'));
    expect(a).toEqual(['machine-acme.a:21.5', 'machine-acme.a:99']);
  });

  it('naks every message with a part that failed to commit, and only those', async () => {
    const pipeline = new AppendPipeline(
      deps(async (events) => {
        if (events.some((e) => e.stream === 'machine-acme.bad')) throw new Error('store down');
      }),
      1,
    );
    const ok = msg([event('good')]);
    await pipeline.submit([ok]);
    await pipeline.drain();
    const failing = msg([event('good'), event('bad')]);
    await pipeline.submit([failing]);
    await pipeline.drain();
    expect([ok.outcome, failing.outcome]).toEqual(['ack', 'nak']);
  });

  it('dead-letters a bad item and still acks its message once the rest commits', async () => {
    const pipeline = new AppendPipeline(deps(async () => {}), 2);
    const bad = { ...event('c'), data: { cpuPct: 'hot' } } as unknown as InboxEvent;
    const m = msg([event('c'), bad]);
    await pipeline.submit([m]);
    await pipeline.drain();
    expect(m.outcome).toBe('ack');
  });
});
