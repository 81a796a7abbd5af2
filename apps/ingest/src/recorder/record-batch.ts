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
  store: EventStore;
  deadLetters: DeadLetters;
  notifier: CommittedNotifier;
  metrics: IngestMetrics;
  log: Logger;
  /** How long JetStream waits before redelivering a message the recorder could not handle. */
  retryDelayMs: number;
}

/**
 * Handles one batch of inbox messages; never throws. Valid events go to the store in one
 * transaction and are acked only after it commits; invalid ones go to the dead-letter stream and
 * are acked only after it confirms. Anything that fails is nak'ed, so JetStream redelivers it,
 * and the store's idempotency by event id makes the retry store nothing twice.
 */
export async function recordBatch(messages: JsMsg[], deps: RecordBatchDeps): Promise<void> {
  const plan = planBatch(messages, deps.names);
  const redelivered = messages.filter((m) => m.redelivered).length;
  if (redelivered > 0) deps.metrics.recorderRedelivered.inc(redelivered);
  await Promise.all([deadLetterAll(plan.deadLetter, messages, deps), appendAll(plan.record, messages, deps)]);
}

async function appendAll(toRecord: ToRecord[], messages: JsMsg[], deps: RecordBatchDeps): Promise<void> {
  let pending = toRecord;
  // Each round either commits or removes at least one conflicting event, so the loop ends.
  while (pending.length > 0) {
    const events = pending.map((r) => r.event);
    const endTimer = deps.metrics.appendSeconds.startTimer();
    try {
      const result = await deps.store.appendMany(events);
      endTimer();
      for (const r of pending) messages[r.index]!.ack();
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
          conflicting.map((r) => ({ index: r.index, tenant: r.event.tenant, reason })),
          messages,
          deps,
        );
        continue;
      }
      deps.metrics.recorderBatches.inc({ outcome: 'failed' });
      deps.log.warn(
        { err, events: pending.length },
        'recorder could not append a batch; JetStream will redeliver it',
      );
      for (const r of pending) messages[r.index]!.nak(deps.retryDelayMs);
      return;
    }
  }
}

async function deadLetterAll(
  letters: ToDeadLetter[],
  messages: JsMsg[],
  deps: RecordBatchDeps,
): Promise<void> {
  await Promise.all(
    letters.map(async ({ index, tenant, reason }) => {
      const msg = messages[index]!;
      try {
        await deps.deadLetters.publish({
          tenant,
          reason,
          data: msg.data,
          subject: msg.subject,
          sequence: msg.seq,
        });
        msg.ack();
        deps.metrics.recorderDeadLettered.inc();
        deps.log.warn({ subject: msg.subject, seq: msg.seq, reason }, 'recorder dead-lettered a message');
      } catch (err) {
        deps.log.warn(
          { err, subject: msg.subject, seq: msg.seq },
          'recorder could not dead-letter a message; JetStream will redeliver it',
        );
        msg.nak(deps.retryDelayMs);
      }
    }),
  );
}
