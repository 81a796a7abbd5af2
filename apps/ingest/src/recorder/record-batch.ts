import type { JsMsg } from '@nats-io/jetstream';
import type { BusNames } from '@pulse/events';
import { DuplicateEventConflict, type EventStore } from '@pulse/eventstore';
import type { Logger } from '@pulse/platform';
import type { CommittedNotifier } from '../adapters/committed-notifier.ts';
import type { DeadLetters } from '../adapters/dead-letters.ts';
import type { IngestMetrics } from '../adapters/metrics.ts';
import { planBatch, type ToDeadLetter, type ToRecord } from '../domain/record-plan.ts';

export interface RecordBatchDeps {
  names: BusNames;
  store: Pick<EventStore, 'appendMany'>;
  deadLetters: DeadLetters;
  notifier: CommittedNotifier;
  metrics: IngestMetrics;
  log: Logger;
  /** How long JetStream waits before redelivering a message the recorder could not handle. */
  retryDelayMs: number;
  /** Most events in one append (one transaction); a pull of batch messages is split into several. */
  appendMaxEvents?: number;
  /** Appends in flight at once, each for its own share of the streams. */
  appendLanes?: number;
}

/**
 * Handles one pull of inbox messages; never throws. A message holds one event or, from the HTTP
 * edge, a batch of them. Valid events go to the store in as few transactions as the append limit
 * allows; invalid ones go to the dead-letter stream. A message is acked only once every one of
 * its events is committed or dead-lettered; if any part failed it is nak'ed as a whole, JetStream
 * redelivers it, and the store's idempotency by event id (and the dead-letter stream's by
 * sequence and item) makes the retry store nothing twice.
 */
export async function recordBatch(messages: JsMsg[], deps: RecordBatchDeps): Promise<void> {
  const plan = planBatch(messages, deps.names);
  const redelivered = messages.filter((m) => m.redelivered).length;
  if (redelivered > 0) deps.metrics.recorderRedelivered.inc(redelivered);
  const failed = new Set<number>();
  await Promise.all([
    deadLetterAll(plan.deadLetter, messages, deps, failed),
    appendInChunks(plan.record, messages, deps, failed),
  ]);
  messages.forEach((msg, index) => (failed.has(index) ? msg.nak(deps.retryDelayMs) : msg.ack()));
}

/**
 * Splits the events into lanes by stream, so several transactions are in flight at once (the
 * store lets inserts and commits of different writers overlap) while each stream's events stay
 * in one lane, in the order they arrived. Within a lane, chunks run one after another.
 */
async function appendInChunks(
  toRecord: ToRecord[],
  messages: JsMsg[],
  deps: RecordBatchDeps,
  failed: Set<number>,
): Promise<void> {
  const max = deps.appendMaxEvents ?? 2000;
  const laneCount = Math.max(1, Math.min(deps.appendLanes ?? 1, Math.ceil(toRecord.length / 250)));
  const lanes: ToRecord[][] = Array.from({ length: laneCount }, () => []);
  for (const r of toRecord) lanes[laneCount === 1 ? 0 : laneOf(r.event.stream, laneCount)]!.push(r);
  await Promise.all(
    lanes.map(async (lane) => {
      for (let start = 0; start < lane.length; start += max) {
        await appendAll(lane.slice(start, start + max), messages, deps, failed);
      }
    }),
  );
}

/** A cheap, stable hash of the stream name (FNV-1a) picks its lane. */
function laneOf(stream: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}

async function appendAll(
  toRecord: ToRecord[],
  messages: JsMsg[],
  deps: RecordBatchDeps,
  failed: Set<number>,
): Promise<void> {
  let pending = toRecord;
  // Each round either commits or removes at least one conflicting event, so the loop ends.
  while (pending.length > 0) {
    const events = pending.map((r) => r.event);
    const endTimer = deps.metrics.appendSeconds.startTimer();
    try {
      const result = await deps.store.appendMany(events);
      endTimer();
      deps.metrics.recorderBatches.inc({ outcome: 'committed' });
      deps.metrics.recorderAppended.inc(result.appended);
      deps.notifier.notify(events, result.positions);
      return;
    } catch (err) {
      if (err instanceof DuplicateEventConflict) {
        // The id belongs to a different stored event: retrying would fail forever, so the
        // newcomer goes to the dead-letter stream and the rest of the batch is tried again.
        const conflicting = pending.filter((r) => r.event.id === err.eventId);
        pending = pending.filter((r) => r.event.id !== err.eventId);
        const reason = `id: ${err.message}`;
        await deadLetterAll(
          conflicting.map((r) => ({
            index: r.index,
            ...(r.item !== undefined && { item: r.item, data: encoder.encode(JSON.stringify(r.event)) }),
            tenant: r.event.tenant,
            reason,
          })),
          messages,
          deps,
          failed,
        );
        continue;
      }
      deps.metrics.recorderBatches.inc({ outcome: 'failed' });
      deps.log.warn(
        { err, events: pending.length },
        'recorder could not append a batch; JetStream will redeliver it',
      );
      for (const r of pending) failed.add(r.index);
      return;
    }
  }
}

const encoder = new TextEncoder();

async function deadLetterAll(
  letters: ToDeadLetter[],
  messages: JsMsg[],
  deps: RecordBatchDeps,
  failed: Set<number>,
): Promise<void> {
  await Promise.all(
    letters.map(async ({ index, item, tenant, reason, data }) => {
      const msg = messages[index]!;
      try {
        await deps.deadLetters.publish({
          tenant,
          reason,
          data: data ?? msg.data,
          subject: msg.subject,
          sequence: msg.seq,
          ...(item !== undefined && { item }),
        });
        deps.metrics.recorderDeadLettered.inc();
        deps.log.warn({ subject: msg.subject, seq: msg.seq, item, reason }, 'recorder dead-lettered a message');
      } catch (err) {
        deps.log.warn(
          { err, subject: msg.subject, seq: msg.seq, item },
          'recorder could not dead-letter a message; JetStream will redeliver it',
        );
        failed.add(index);
      }
    }),
  );
}
