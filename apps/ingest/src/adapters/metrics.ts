import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';

export type RejectReason =
  'unauthorized' | 'malformed' | 'too_large' | 'unsupported_media_type' | 'invalid' | 'unavailable' | 'throttled';

/** Prometheus metrics of one ingest process (edge and recorder share the registry). */
export class IngestMetrics {
  readonly registry = new Registry();

  readonly eventsAccepted = new Counter({
    name: 'pulse_ingest_events_accepted_total',
    help: 'Events answered with 202 (stored in JetStream).',
    registers: [this.registry],
  });

  readonly eventsRejected = new Counter({
    name: 'pulse_ingest_events_rejected_total',
    help: 'Events in rejected requests (a body that cannot be split into events counts as one).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly recorderBatches = new Counter({
    name: 'pulse_recorder_batches_total',
    help: 'Batches the recorder handled, by outcome.',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly recorderAppended = new Counter({
    name: 'pulse_recorder_events_appended_total',
    help: 'Events the recorder stored for the first time (redeliveries of stored events not counted).',
    registers: [this.registry],
  });

  readonly recorderRedelivered = new Counter({
    name: 'pulse_recorder_redelivered_total',
    help: 'Inbox messages JetStream delivered again (after a nak, a crash or an ack timeout).',
    registers: [this.registry],
  });

  readonly recorderDeadLettered = new Counter({
    name: 'pulse_recorder_dlq_total',
    help: 'Inbox messages the recorder moved to the dead-letter stream.',
    registers: [this.registry],
  });

  readonly appendSeconds = new Histogram({
    name: 'pulse_recorder_append_batch_seconds',
    help: 'Time to append one batch to the event store (one transaction).',
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
