import { setTimeout as sleep } from 'node:timers/promises';
import type { JetStreamClient, JsMsg } from '@nats-io/jetstream';
import type { BusNames } from '@pulse/events';
import type { Logger } from '@pulse/platform';

export interface RecorderOptions {
  js: JetStreamClient;
  names: BusNames;
  log: Logger;
  batchSize: number;
  /** How long one pull request waits for messages on a quiet inbox (JetStream's minimum is 1 s). */
  pullExpiresMs?: number;
  /** Handles one batch; must not throw (it acks or naks every message itself). */
  handle: (batch: JsMsg[]) => Promise<void>;
}

/**
 * The recorder's loop on the durable pull consumer (declared by provisionBus; looked up here,
 * never declared). Each pull asks for one batch; messages are handed over as soon as nothing
 * further is buffered, so a busy inbox gives full batches and a quiet one low latency. One batch
 * at a time keeps each stream's events in order.
 *
 * Pulls rather than `consume()`: a pull ends by itself, so a stopping recorder leaves nothing
 * pulled and unhandled behind. With `consume()` the messages it had pulled ahead would wait out
 * the ack wait (30 s) before another recorder got them, on every deploy.
 */
export class Recorder {
  private stopping = false;
  private readonly stopSignal = new AbortController();
  private running: Promise<void> | undefined;

  constructor(private readonly o: RecorderOptions) {}

  start(): void {
    this.running ??= this.run();
  }

  /** Lets the pull in progress end (at most pullExpiresMs) and its messages be handled. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.stopSignal.abort();
    await this.running;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.stopping) {
      try {
        await this.pullUntilStopped(() => (failures = 0));
      } catch (err) {
        if (this.stopping) break;
        // Wait a little longer after each failure in a row, then look the consumer up again.
        failures++;
        const delayMs = Math.min(250 * 2 ** (failures - 1), 10_000);
        this.o.log.warn({ err, delayMs }, 'recorder pull failed; re-establishing it');
        await sleep(delayMs, undefined, { signal: this.stopSignal.signal }).catch(() => {});
      }
    }
  }

  private async pullUntilStopped(onPulled: () => void): Promise<void> {
    const { js, names, log, batchSize } = this.o;
    const consumer = await js.consumers.get(names.inboxStream, names.recorderConsumer);
    log.info(
      { stream: names.inboxStream, consumer: names.recorderConsumer, batchSize },
      'recorder consuming',
    );
    while (!this.stopping) {
      const messages = await consumer.fetch({
        max_messages: batchSize,
        expires: this.o.pullExpiresMs ?? 1000,
      });
      let batch: JsMsg[] = [];
      for await (const msg of messages) {
        batch.push(msg);
        if (messages.getPending() > 0) continue;
        // Nothing buffered: give the socket one turn to deliver the rest of a busy pull, so a
        // backlog goes to the store in full batches; on a quiet inbox this costs no latency.
        if (batch.length < batchSize) await new Promise<void>((resolve) => setImmediate(resolve));
        if (messages.getPending() > 0) continue;
        await this.o.handle(batch);
        batch = [];
      }
      if (batch.length > 0) await this.o.handle(batch);
      onPulled();
    }
  }
}
