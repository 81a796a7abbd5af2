import { z } from 'zod';
import { isEventType } from '@pulse/events';
import { isoTime, issuesOf, UnmappablePayload, type MappedEvent } from './mapped-event.ts';

/**
 * The Standard Webhooks payload structure: `{ type, timestamp, data }`. For `onboarding`, the type
 * is an onboarding event of the catalog; for `generic`, any event of the catalog. `data` is then
 * validated against the catalog like any other event.
 */
const SignedPayload = z.object({
  type: z.string().min(1).max(100),
  timestamp: z.string().max(100).optional(),
  data: z.record(z.string(), z.unknown()),
});

export function mapSigned(source: 'onboarding' | 'generic', payload: unknown): MappedEvent[] {
  const items = Array.isArray(payload) ? payload : [payload];
  return items.map((item, index) => {
    const parsed = SignedPayload.safeParse(item);
    if (!parsed.success) throw new UnmappablePayload('not a Standard Webhooks payload { type, timestamp, data }', issuesOf(parsed.error).map((i) => ({ ...i, path: `${index}.${i.path}` })));
    const p = parsed.data;
    const allowed = source === 'onboarding' ? p.type.startsWith('onboarding.') && isEventType(p.type) : isEventType(p.type);
    if (!allowed) {
      throw new UnmappablePayload(`the ${source} webhook does not take events of type "${p.type}"`, [{ path: `${index}.type`, message: 'unknown or not allowed here' }]);
    }
    const occurredAt = isoTime(p.timestamp);
    return { type: p.type, data: p.data, source, ...(occurredAt && { occurredAt }) };
  });
}
