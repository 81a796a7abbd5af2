import { toInboxEvent, type InboxEvent } from '@pulse/events';
import { InvalidEvents, TooManyEvents, type FieldError } from './errors.ts';

export interface BatchContext {
  /** The tenant the ingest key belongs to; never taken from the body. */
  tenant: string;
  receivedAt: string;
  /** The id of the event at `index` when the client sent none. */
  newId: (index: number) => string;
  maxEvents: number;
}

/** A problem listing thousands of field errors helps no one; the count says how many there are. */
export const maxListedErrors = 100;

/**
 * Validates every item of a request and turns it into an inbox event. All or nothing: one bad
 * item rejects the whole request, with the index and field of each problem.
 */
export function validateBatch(items: unknown[], ctx: BatchContext): InboxEvent[] {
  if (items.length > ctx.maxEvents) throw new TooManyEvents(items.length, ctx.maxEvents);
  if (items.length === 0) throw new InvalidEvents(0, []);
  const events: InboxEvent[] = [];
  const errors: FieldError[] = [];
  const firstIndexOfId = new Map<string, number>();
  let invalid = 0;
  // One context for every item (not a closure and a copy per item: this loop is the edge's hot path).
  let index = 0;
  const itemCtx = { tenant: ctx.tenant, receivedAt: ctx.receivedAt, newId: () => ctx.newId(index) };
  for (; index < items.length; index++) {
    const item = items[index];
    const result = toInboxEvent(item, itemCtx);
    if (!result.ok) {
      invalid++;
      for (const issue of result.issues) errors.push({ index, ...issue });
      continue;
    }
    // Two different events under one id would be stored as one; say so instead of guessing.
    const first = firstIndexOfId.get(result.value.id);
    if (first !== undefined) {
      invalid++;
      errors.push({
        index,
        path: 'id',
        message: `the same id as event ${first}; every event needs its own id`,
      });
      continue;
    }
    firstIndexOfId.set(result.value.id, index);
    events.push(result.value);
  }
  if (invalid > 0) throw new InvalidEvents(invalid, errors.slice(0, maxListedErrors), items.length);
  return events;
}
