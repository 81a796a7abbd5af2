import { describe, expect, it } from 'vitest';
import { heartbeat } from '../../test/events.fixture.ts';
import { InvalidEvents, TooManyEvents } from './errors.ts';
import { maxListedErrors, validateBatch } from './validate-batch.ts';

let n = 0;
const ctx = {
  tenant: 'acme',
  receivedAt: '2026-11-25T12:00:01.000Z',
  newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  maxEvents: 10,
};

function rejection(fn: () => unknown): InvalidEvents {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidEvents) return e;
    throw e;
  }
  throw new Error('expected InvalidEvents');
}

describe('validateBatch', () => {
  it('turns valid items into inbox events of the key’s tenant, in order', () => {
    const { id: _, ...noId } = heartbeat();
    const events = validateBatch([heartbeat({ machineId: 'a' }), noId], ctx);
    expect(events.map((e) => e.stream)).toEqual(['machine-acme.a', 'machine-acme.web-01']);
    expect(events.every((e) => e.tenant === 'acme' && e.receivedAt === ctx.receivedAt)).toBe(true);
    expect(events[1]!.id).toMatch(/^00000000-/);
  });

  it('ignores a tenant in the body: the envelope has no such field', () => {
    const e = rejection(() => validateBatch([{ ...heartbeat(), tenant: 'other' }], ctx));
    expect(e.errors).toEqual([{ index: 0, path: '(root)', message: expect.stringMatching(/tenant/) }]);
  });

  it('rejects the whole batch naming the index and field of each problem', () => {
    const items = [
      heartbeat(),
      heartbeat(),
      heartbeat(),
      heartbeat({ data: { cpuPct: 180 } }),
      { type: 'nope', data: {} },
    ];
    const e = rejection(() => validateBatch(items, ctx));
    expect(e.invalidCount).toBe(2);
    expect(e.total).toBe(5);
    expect(e.errors).toEqual([
      { index: 3, path: 'data.cpuPct', message: expect.any(String) },
      { index: 4, path: 'type', message: 'unknown event type "nope"' },
    ]);
  });

  it('rejects two events with one id', () => {
    const a = heartbeat();
    const e = rejection(() => validateBatch([a, heartbeat(), { ...a }], ctx));
    expect(e.errors).toEqual([
      { index: 2, path: 'id', message: expect.stringMatching(/same id as event 0/) },
    ]);
  });

  it('rejects an empty batch and one over the limit', () => {
    expect(rejection(() => validateBatch([], ctx)).message).toMatch(/no events/);
    expect(() =>
      validateBatch(
        Array.from({ length: 11 }, () => ({})),
        ctx,
      ),
    ).toThrow(TooManyEvents);
  });

  it('lists at most a hundred field errors but counts them all', () => {
    const e = rejection(() =>
      validateBatch(
        Array.from({ length: 300 }, () => ({})),
        { ...ctx, maxEvents: 1000 },
      ),
    );
    expect(e.invalidCount).toBe(300);
    expect(e.errors).toHaveLength(maxListedErrors);
  });
});
