import { describe, expect, it } from 'vitest';
import { busNames, toInboxEvent, type InboxEvent } from '@pulse/events';
import { heartbeat } from '../../test/events.fixture.ts';
import { batchIdOf, packBatches } from './inbox-batch.ts';
import { planBatch } from './record-plan.ts';

const names = busNames('t1');
const encoder = new TextEncoder();

function inbox(n: number): InboxEvent[] {
  return Array.from({ length: n }, (_, i) => {
    const r = toInboxEvent(heartbeat({ machineId: `m-${i}` }), {
      tenant: 'acme',
      receivedAt: '2026-11-25T12:00:01.000Z',
      newId: () => 'unused',
    });
    if (!r.ok) throw new Error('fixture invalid');
    return r.value;
  });
}

describe('packBatches', () => {
  it('packs a request into one message when it fits, with an id derived from the event ids', () => {
    const events = inbox(3);
    const [batch, ...rest] = packBatches(events, 1024 * 1024);
    expect(rest).toEqual([]);
    expect(batch!.batchId).toBe(batchIdOf(events.map((e) => e.id)));
    expect(JSON.parse(batch!.data)).toEqual({ batchId: batch!.batchId, events });
  });

  it('gives the same events in the same order the same id, and any other set another', () => {
    const [a, b] = inbox(2).map((e) => e.id) as [string, string];
    expect(batchIdOf([a, b])).toBe(batchIdOf([a, b]));
    expect(batchIdOf([a, b])).not.toBe(batchIdOf([b, a]));
    expect(batchIdOf([a])).not.toBe(batchIdOf([a, b]));
  });

  it('splits a request larger than the payload limit, keeping every event once and in order', () => {
    const events = inbox(50);
    const batches = packBatches(events, 4000);
    expect(batches.length).toBeGreaterThan(1);
    for (const b of batches) expect(Buffer.byteLength(b.data)).toBeLessThanOrEqual(4000);
    expect(batches.flatMap((b) => (JSON.parse(b.data) as { events: InboxEvent[] }).events)).toEqual(events);
  });
});

describe('planBatch with batch messages', () => {
  it('records every valid event of a batch and dead-letters a bad one alone, with its own bytes', () => {
    const [good1, good2, bad] = inbox(3) as [InboxEvent, InboxEvent, InboxEvent];
    const badOne = { ...bad, data: { ...bad.data, cpuPct: 900 } };
    const single = inbox(1)[0]!;
    const plan = planBatch(
      [
        { subject: names.inboxBatch('acme'), data: encoder.encode(JSON.stringify({ batchId: 'b-1', events: [good1, badOne, good2] })) },
        { subject: names.inbox('acme', 'machine.heartbeat'), data: encoder.encode(JSON.stringify(single)) },
      ],
      names,
    );
    expect(plan.record.map((r) => [r.index, r.item, r.event.id])).toEqual([
      [0, 0, good1.id],
      [0, 2, good2.id],
      [1, undefined, single.id],
    ]);
    expect(plan.deadLetter).toHaveLength(1);
    expect(plan.deadLetter[0]).toMatchObject({ index: 0, item: 1, tenant: 'acme', reason: expect.stringMatching(/^data\.cpuPct/) });
    expect(JSON.parse(new TextDecoder().decode(plan.deadLetter[0]!.data))).toEqual(badOne);
  });

  it('dead-letters a whole batch message that is no batch, and events of another tenant inside one', () => {
    const [e] = inbox(1) as [InboxEvent];
    const plan = planBatch(
      [
        { subject: names.inboxBatch('acme'), data: encoder.encode('{"events": 3}') },
        { subject: names.inboxBatch('acme'), data: encoder.encode('not json') },
        { subject: names.inboxBatch('zeta'), data: encoder.encode(JSON.stringify({ batchId: 'b', events: [e] })) },
      ],
      names,
    );
    expect(plan.record).toEqual([]);
    expect(plan.deadLetter.map((d) => [d.index, d.item, d.tenant, d.reason.split(':')[0]])).toEqual([
      [0, undefined, 'acme', 'batch.batchId'],
      [1, undefined, 'acme', 'body'],
      [2, 0, 'zeta', 'tenant'],
    ]);
  });
});
