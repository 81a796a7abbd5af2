import type { JsMsg } from '@nats-io/jetstream';
import type { BusNames } from '@pulse/events';
import { DuplicateEventConflict, type EventStore, type NewEvent } from '@pulse/eventstore';
import type { Logger } from '@pulse/platform';
import type { CommittedNotifier } from '../adapters/committed-notifier.ts';
import type { DeadLetters } from '../adapters/dead-letters.ts';
import type { IngestMetrics } from '../adapters/metrics.ts';
import { planBatch } from '../domain/record-plan.ts';

export interface RecordBatchDeps {
  names: BusNames;
  store: Pick<EventStore, 'appendMany'>;
  deadLetters: DeadLetters;
  notifier: CommittedNotifier;
  metrics: IngestMetrics;
  log: Logger;
  /** How long JetStream waits before redelivering a message the recorder could not handle. */
  retryDelayMs: number;
  /** Most events in one append (one transaction). */
  appendMaxEvents?: number;
}

/** One message of a pull and how many of its parts (events, dead letters) are still open. */
interface Tracked {
  msg: JsMsg;
  open: number;
  failed: boolean;
}

interface Part {
  tracked: Tracked;
  event: NewEvent;
  item?: number;
}

/**
 * The recorder's handling of each pull; never throws. A message holds one event or, from the HTTP
 * edge, a batch of them: valid events go to the store, invalid ones to the dead-letter stream.
 *
 * Appends are pipelined: a pull is planned and handed to lanes, and the consume loop
 * pulls the next one while earlier ones are still being committed. PostgreSQL spends most of an
 * append's time waiting (commit, WAL flush), so overlapping appends is what raises throughput.
 *
 * Order and safety: a stream always maps to the same lane and a lane appends one transaction at a
 * time, in arrival order, so each stream's events keep their order; a lane takes everything queued
 * (up to `appendMaxEvents`) into one transaction, so a busy inbox makes large, cheap transactions.
 * A message is acked only when every part of it is committed or dead-lettered, and nak'ed if any
 * part failed, exactly as in `recordBatch`. `submit` waits while too many events are in flight,
 * which bounds memory and lets JetStream hold the backlog.
 */
export class AppendPipeline {
  private readonly lanes: Part[][];
  private readonly running: (Promise<void> | undefined)[];
  private inFlight = 0;
  private readonly waiters: (() => void)[] = [];
  private readonly deadLetterWork = new Set<Promise<void>>();

  constructor(
    private readonly deps: RecordBatchDeps,
    laneCount: number,
    private readonly maxInFlightEvents = 20_000,
  ) {
    this.lanes = Array.from({ length: Math.max(1, laneCount) }, () => []);
    this.running = this.lanes.map(() => undefined);
  }

  async submit(messages: JsMsg[]): Promise<void> {
    while (this.inFlight >= this.maxInFlightEvents) await new Promise<void>((r) => this.waiters.push(r));
    const plan = planBatch(messages, this.deps.names);
    const redelivered = messages.filter((m) => m.redelivered).length;
    if (redelivered > 0) this.deps.metrics.recorderRedelivered.inc(redelivered);
    const tracked: Tracked[] = messages.map((msg) => ({ msg, open: 0, failed: false }));
    for (const r of plan.record) tracked[r.index]!.open++;
    for (const d of plan.deadLetter) tracked[d.index]!.open++;
    for (const t of tracked) if (t.open === 0) t.msg.ack();
    for (const d of plan.deadLetter) {
      const t = tracked[d.index]!;
      this.track(this.deadLetter(t, { tenant: d.tenant, reason: d.reason, ...(d.item !== undefined && { item: d.item }), ...(d.data && { data: d.data }) }));
    }
    for (const r of plan.record) {
      const lane = laneOf(r.event.stream, this.lanes.length);
      this.lanes[lane]!.push({ tracked: tracked[r.index]!, event: r.event, ...(r.item !== undefined && { item: r.item }) });
      this.inFlight++;
    }
    this.lanes.forEach((_, i) => this.kick(i));
  }

  /** Resolves once everything submitted so far is acked or nak'ed. */
  async drain(): Promise<void> {
    while (this.running.some(Boolean) || this.deadLetterWork.size > 0) {
      await Promise.all([...this.running, ...this.deadLetterWork]);
    }
  }

  private kick(lane: number): void {
    if (this.running[lane] || this.lanes[lane]!.length === 0) return;
    this.running[lane] = this.runLane(lane).finally(() => {
      this.running[lane] = undefined;
      this.kick(lane);
    });
  }

  private async runLane(lane: number): Promise<void> {
    const queue = this.lanes[lane]!;
    const max = this.deps.appendMaxEvents ?? 2000;
    while (queue.length > 0) {
      const parts = queue.splice(0, max);
      await this.append(parts);
      this.inFlight -= parts.length;
      while (this.waiters.length > 0 && this.inFlight < this.maxInFlightEvents) this.waiters.shift()!();
    }
  }

  private async append(parts: Part[]): Promise<void> {
    const { deps } = this;
    let pending = parts;
    // Each round either commits or removes at least one conflicting event, so the loop ends.
    while (pending.length > 0) {
      const events = pending.map((p) => p.event);
      const endTimer = deps.metrics.appendSeconds.startTimer();
      try {
        const result = await deps.store.appendMany(events);
        endTimer();
        deps.metrics.recorderBatches.inc({ outcome: 'committed' });
        deps.metrics.recorderAppended.inc(result.appended);
        deps.notifier.notify(events, result.positions);
        for (const p of pending) this.close(p.tracked, false);
        return;
      } catch (err) {
        if (err instanceof DuplicateEventConflict) {
          // The id belongs to a different stored event: retrying would fail forever, so the
          // newcomer goes to the dead-letter stream and the rest is tried again.
          const conflicting = pending.filter((p) => p.event.id === err.eventId);
          pending = pending.filter((p) => p.event.id !== err.eventId);
          await Promise.all(
            conflicting.map((p) =>
              this.deadLetter(p.tracked, {
                tenant: p.event.tenant,
                reason: `id: ${err.message}`,
                ...(p.item !== undefined && { item: p.item, data: encoder.encode(JSON.stringify(p.event)) }),
              }),
            ),
          );
          continue;
        }
        deps.metrics.recorderBatches.inc({ outcome: 'failed' });
        deps.log.warn({ err, events: pending.length }, 'recorder could not append a batch; JetStream will redeliver it');
        for (const p of pending) this.close(p.tracked, true);
        return;
      }
    }
  }

  private async deadLetter(t: Tracked, letter: { tenant: string; reason: string; item?: number; data?: Uint8Array }): Promise<void> {
    const { msg } = t;
    try {
      await this.deps.deadLetters.publish({
        tenant: letter.tenant,
        reason: letter.reason,
        data: letter.data ?? msg.data,
        subject: msg.subject,
        sequence: msg.seq,
        ...(letter.item !== undefined && { item: letter.item }),
      });
      this.deps.metrics.recorderDeadLettered.inc();
      this.deps.log.warn({ subject: msg.subject, seq: msg.seq, item: letter.item, reason: letter.reason }, 'recorder dead-lettered a message');
      this.close(t, false);
    } catch (err) {
      this.deps.log.warn({ err, subject: msg.subject, seq: msg.seq }, 'recorder could not dead-letter a message; JetStream will redeliver it');
      this.close(t, true);
    }
  }

  private close(t: Tracked, failed: boolean): void {
    t.failed ||= failed;
    if (--t.open > 0) return;
    if (t.failed) t.msg.nak(this.deps.retryDelayMs);
    else t.msg.ack();
  }

  private track(work: Promise<void>): void {
    this.deadLetterWork.add(work);
    void work.finally(() => this.deadLetterWork.delete(work));
  }
}

const encoder = new TextEncoder();

/** A cheap, stable hash of the stream name (FNV-1a) picks its lane. */
function laneOf(stream: string, lanes: number): number {
  if (lanes === 1) return 0;
  let h = 0x811c9dc5;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 0x01000193);
  return (h >>> 0) % lanes;
}
