import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { busNames } from '@pulse/events';
import { heartbeat } from '../../test/events.fixture.ts';
import { parseBody } from './parse-body.ts';
import { problemForError } from './problem.ts';
import { planBatch } from './record-plan.ts';
import { validateBatch } from './validate-batch.ts';
import { mapFleet } from './webhooks/fleet.ts';
import { mapSigned } from './webhooks/signed.ts';
import { mapTacticalRmm } from './webhooks/tacticalrmm.ts';
import { mapWazuh } from './webhooks/wazuh.ts';

const names = busNames('fz');
const ctx = { tenant: 'acme', receivedAt: '2026-11-25T12:00:00.000Z', newId: () => '00000000-0000-4000-8000-000000000001', maxEvents: 50 };

/** Hostile JSON: prototype-pollution keys, deep nesting, huge and odd strings, wrong types. */
const nasty = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, 0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, '', '__proto__', 'constructor', '\u0000', '\ud800', '𝔘𝔫𝔦'),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.string({ minLength: 5000, maxLength: 20_000 }).map((s) => s.slice(0, 20_000)),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'type', 'data', 'id', 'machineId', 'x'), tie('value'), { maxKeys: 5 }),
  ),
})).value;

/** Bodies that look like events some of the time, so validation is reached, not only parsing. */
const eventish = fc.oneof(
  nasty,
  fc.record({ type: fc.constantFrom('machine.heartbeat', 'alert.raised', 'nope'), data: nasty }),
  fc.tuple(nasty, nasty).map(([a, b]) => ({ ...heartbeat(), data: { ...heartbeat().data, cpuPct: a, hostname: b } })),
);

const deepNesting = fc.integer({ min: 1000, max: 20_000 }).map((n) => '['.repeat(n) + ']'.repeat(n));

function edge(text: string, mediaType: 'application/json' | 'application/x-ndjson') {
  try {
    return { ok: validateBatch(parseBody({ mediaType, text }), ctx) };
  } catch (err) {
    return { problem: problemForError(err), err };
  }
}

describe('fuzzing the edge: every rejection is a problem, nothing crashes', () => {
  it('random JSON values, as JSON and as NDJSON', () => {
    fc.assert(
      fc.property(fc.array(eventish, { maxLength: 5 }), fc.boolean(), (items, ndjson) => {
        const text = ndjson ? items.map((i) => JSON.stringify(i)).join('\n') : JSON.stringify(items);
        const r = edge(text, ndjson ? 'application/x-ndjson' : 'application/json');
        if ('problem' in r) {
          expect(r.problem, String(r.err)).toBeDefined();
          expect([400, 413, 422]).toContain(r.problem!.status);
        } else {
          // What is accepted is never polluted and always belongs to the key's tenant.
          for (const e of r.ok) {
            expect(e.tenant).toBe('acme');
            expect(Object.getPrototypeOf(e.data)).toBe(Object.prototype);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes and very deep nesting', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 2000 }), deepNesting), (text) => {
        const r = edge(text, 'application/json');
        if ('problem' in r) expect(r.problem, String(r.err)).toBeDefined();
      }),
      { numRuns: 200 },
    );
  });

  it('webhook mappers only throw their typed error', () => {
    for (const map of [mapTacticalRmm, mapWazuh, mapFleet, (p: unknown) => mapSigned('generic', p)]) {
      fc.assert(
        fc.property(eventish, (payload) => {
          try {
            map(payload);
          } catch (err) {
            expect(problemForError(err), String(err)).toBeDefined();
          }
        }),
        { numRuns: 150 },
      );
    }
  });
});

describe('fuzzing the recorder: every message is recorded or dead-lettered, nothing crashes', () => {
  it('random subjects and bodies, single events and batches', () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 500 }),
      eventish.map((v) => new TextEncoder().encode(JSON.stringify(v) ?? 'null')),
      fc.array(eventish, { maxLength: 4 }).map((events) => new TextEncoder().encode(JSON.stringify({ batchId: 'b', events }))),
    );
    const subject = fc.oneof(
      fc.constant(names.inbox('acme', 'machine.heartbeat')),
      fc.constant(names.inboxBatch('acme')),
      fc.constant(names.inboxBatch('ACME')),
      fc.string({ maxLength: 30 }),
    );
    fc.assert(
      fc.property(fc.array(fc.record({ subject, data: body }), { minLength: 1, maxLength: 6 }), (messages) => {
        const plan = planBatch(messages, names);
        const handled = new Set([...plan.record.map((r) => r.index), ...plan.deadLetter.map((d) => d.index)]);
        expect([...handled].sort()).toEqual(messages.map((_, i) => i).sort());
        for (const d of plan.deadLetter) expect(d.reason.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });
});
