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
  const h = createHash('sha256');
  for (const id of ids) h.update(id).update('\n');
  return `b-${h.digest('base64url')}`;
}

/**
 * Packs a request's events into as few batch messages as NATS's payload limit allows (a request
 * of 5,000 events may exceed one message). Each event is serialised once.
 */
export function packBatches(events: InboxEvent[], maxBytes: number): PackedBatch[] {
  const batches: PackedBatch[] = [];
  // `{"batchId":"b-<43 chars>","events":[` + `]}`, with room to spare.
  const overhead = 80;
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
