import { Command } from '@nestjs/cqrs';
import type { RawBody } from '../../domain/raw-body.ts';

/** One event's outcome, in the order the client sent the events. */
export type ItemResult =
  | { index: number; id: string; status: 'accepted' }
  | { index: number; id: string; status: 'committed'; position: number };

/** 202: JetStream holds every event. */
export interface IngestAccepted {
  accepted: number;
  /** The event ids in the order the client sent the events (generated where it sent none). */
  ids: string[];
  results: ItemResult[];
}

/** 201 (`?wait=commit`): the event store has committed every event, at these positions. */
export interface IngestCommitted {
  accepted: number;
  committed: number;
  ids: string[];
  results: ItemResult[];
}

export interface IngestOptions {
  /** Answer only once the event store has committed every event. */
  waitForCommit: boolean;
  /** The request's `Idempotency-Key` header, for sources that send no event ids. */
  idempotencyKey?: string;
}

/** Record the events a client sent, as the tenant its key belongs to. */
export class IngestEvents extends Command<IngestAccepted | IngestCommitted> {
  constructor(
    readonly tenant: string,
    readonly body: RawBody | undefined,
    readonly options: IngestOptions = { waitForCommit: false },
  ) {
    super();
  }
}
