import { Command } from '@nestjs/cqrs';
import type { RawBody } from '../../domain/raw-body.ts';

export interface IngestAccepted {
  accepted: number;
  /** The event ids in the order the client sent the events (generated where it sent none). */
  ids: string[];
}

/** Record the events a client sent, as the tenant its key belongs to. */
export class IngestEvents extends Command<IngestAccepted> {
  constructor(
    readonly tenant: string,
    readonly body: RawBody | undefined,
  ) {
    super();
  }
}
