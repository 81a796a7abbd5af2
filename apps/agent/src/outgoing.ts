import { newEventId, type EventData, type EventType } from '@pulse/events';
import type { OutgoingEvent } from './sender.ts';

/**
 * Wraps event data in what a client sends. The id is fixed here, once, before the first attempt:
 * every retry of this event carries the same id, so ingest stores it once however often it arrives.
 */
export function outgoing<T extends EventType>(
  type: T,
  data: EventData<T>,
  meta: { source: string; occurredAt: Date | number; id?: string },
): OutgoingEvent {
  return {
    id: meta.id ?? newEventId(),
    type,
    occurredAt: new Date(meta.occurredAt).toISOString(),
    source: meta.source,
    data,
  } as OutgoingEvent;
}
