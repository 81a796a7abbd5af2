import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsumerMessages, JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { BusNames } from '@pulse/events';
import type { Logger } from '@pulse/platform';

export interface RecorderOptions {
  js: JetStreamClient;
  names: BusNames;
  log: Logger;
  batchSize: number;
  /** Handles one batch; must not throw (it acks or naks every message itself). */
  handle: (batch: JsMsg[]) => Promise<void>;
}

/**
 * The recorder's consume loop on the durable pull consumer (declared by provisionBus; looked up
 * here, never declared). Batches form from what has already arrived: a batch is handed over
 * when it is full or when no further message is buffered, so a busy inbox gives full batches
 * and a quiet one gives low latency. One batch at a time keeps each stream's events in order.
 */
export class Recorder {
  private stopping = false;
  private messages: ConsumerMessages | undefined;
  private readonly stopSignal = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly o: RecorderOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Stops pulling, lets the batch in hand finish (ack or nak), then resolves. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    await this.messages?.close().catch(() => {});
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      let failure: unknown;
      try {
        await this.consume();
        failures = 0;
      } catch (err) {
        failure = err;
      }
      if (this.stopping) break;
      // Ended without being asked to (an error, or the server ended the consume): wait a
      // little longer after each failure in a row, then consume again.
      failures++;
      const delayMs = Math.min(250 * 2 ** (failures - 1), 10_000);
      this.o.log.warn({ err: failure, delayMs }, 'recorder consume loop ended; re-establishing it');
      await sleep(delayMs, undefined, { signal: this.stopSignal.signal }).catch(() => {});
    }
  }

  private async consume(): Promise<void> {
    const { js, names, log, batchSize } = this.o;
    const consumer = await js.consumers.get(names.inboxStream, names.recorderConsumer);
    // A deleted stream or consumer ends the consume at once (the client alone would wait for
    // missed heartbeats and then back off for up to 30 s); the loop above looks it up again.
    const messages = await consumer.consume({ max_messages: batchSize * 2, abort_on_missing_resource: true });
    this.messages = messages;
    if (this.stopping) await messages.close();
    void this.watchStatus(messages);
    log.info(
      { stream: names.inboxStream, consumer: names.recorderConsumer, batchSize },
      'recorder consuming',
    );
    let batch: JsMsg[] = [];
    for await (const msg of messages) {
      batch.push(msg);
      if (batch.length >= batchSize || messages.getPending() === 0) {
        await this.o.handle(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.o.handle(batch);
  }

  /** Consumer notifications (consumer missing, heartbeats missed) are worth an operator's eye. */
  private async watchStatus(messages: ConsumerMessages): Promise<void> {
    try {
      for await (const s of messages.status()) {
        if (
          s.type === 'consumer_not_found' ||
          s.type === 'stream_not_found' ||
          s.type === 'consumer_deleted' ||
          s.type === 'heartbeats_missed'
        ) {
          this.o.log.warn({ status: s }, 'recorder consumer status');
        }
      }
    } catch {
      // The status iterator ends with the consume it belongs to.
    }
  }
}
