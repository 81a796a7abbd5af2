import { describe, expect, it } from 'vitest';
import { toInboxEvent } from './envelope.ts';
import { newEventId } from './ids.ts';

describe('newEventId', () => {
  it('is a UUIDv7 the envelope accepts', () => {
    const id = newEventId();
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const r = toInboxEvent(
      { id, type: 'onboarding.abandoned', data: { journeyId: 'j-1', accountId: 'a-1', lastStep: 'started', idleS: 60 } },
      { tenant: 'acme', receivedAt: '2026-11-25T12:00:05.000Z', newId: () => 'unused' },
    );
    expect(r.ok && r.value.id).toBe(id);
  });

  it('grows with the time it is made, so the store adds it at the right edge of its id index', async () => {
    const ids = [newEventId()];
    for (let i = 0; i < 999; i++) ids.push(newEventId()); // same millisecond: a counter keeps the order
    await new Promise((r) => setTimeout(r, 2));
    ids.push(newEventId());
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
