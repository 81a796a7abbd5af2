import { createHash } from 'node:crypto';
import type { InboxEvent } from '@pulse/events';

/** One JetStream message of the HTTP edge: many events of one tenant, already serialised. */
export interface PackedBatch {
  /** Nats-Msg-Id: the same events in the same order always get the same id. */
  batchId: string;
  ids: string[];
  data: string;
}

/**
 * The id of a batch message, from its event ids in order. A client retrying a request with the
 * same ids (its own, or ones derived from an Idempotency-Key) publishes a message JetStream's
 * duplicate window drops; any other overlap is caught by the store's idempotency by event id.
 */
export function batchIdOf(ids: string[]): string {
  // One update of the joined ids hashes the same bytes as one update per id, for less CPU.
  return `b-${createHash('sha256').update(`${ids.join('\n')}\n`).digest('base64url')}`;
}

/**
 * Packs a request's events into as few batch messages as NATS's payload limit allows (a request
 * of 5,000 events may exceed one message). A request that fits is serialised in one go (about
 * 40% less CPU than event by event); a larger one event by event, to split it.
 */
export function packBatches(events: InboxEvent[], maxBytes: number): PackedBatch[] {
  // `{"batchId":"b-<43 chars>","events":[` + `]}`, with room to spare.
  const overhead = 80;
  if (events.length > 0) {
    const all = JSON.stringify(events);
    if (all.length * 3 + overhead <= maxBytes || Buffer.byteLength(all) + overhead <= maxBytes) {
      const ids = events.map((e) => e.id);
      const batchId = batchIdOf(ids);
      return [{ batchId, ids, data: `{"batchId":"${batchId}","events":${all}}` }];
    }
  }
  const batches: PackedBatch[] = [];
  let parts: string[] = [];
  let ids: string[] = [];
  let bytes = overhead;
  const flush = () => {
    if (parts.length === 0) return;
    const batchId = batchIdOf(ids);
    batches.push({ batchId, ids, data: `{"batchId":"${batchId}","events":[${parts.join(',')}]}` });
    parts = [];
    ids = [];
    bytes = overhead;
  };
  for (const e of events) {
    const json = JSON.stringify(e);
    const size = Buffer.byteLength(json) + 1;
    if (parts.length > 0 && bytes + size > maxBytes) flush();
    parts.push(json);
    ids.push(e.id);
    bytes += size;
  }
  flush();
  return batches;
}
