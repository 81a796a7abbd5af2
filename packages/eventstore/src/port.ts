import type { EventMetadata, RecordedEvent } from '@pulse/events';

/** `any`: no check; `no_stream`: the stream must not exist; `stream_exists`: it must; a number: its current version. */
export type ExpectedVersion = 'any' | 'no_stream' | 'stream_exists' | number;

/** An event to append. The store assigns its stream version, global position and recordedAt. */
export interface NewEvent {
  id: string;
  type: string;
  tenant: string;
  stream: string;
  occurredAt: string;
  schemaVersion: number;
  data: Record<string, unknown>;
  metadata?: EventMetadata;
}

export interface AppendResult {
  /** The stream's version after the append (the version of its last event). */
  nextVersion: number;
  /** The global position of the last event appended (or already stored, on an idempotent retry). */
  lastPosition: number;
}

export interface AppendManyResult {
  /** Global position of every event in the batch, by event id, including ones stored earlier. */
  positions: Map<string, number>;
  /** How many events this call stored; the rest were already there (idempotent retry). */
  appended: number;
  lastPosition: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a position greater than this. 0 reads from the start. */
  fromPosition?: number;
  limit?: number;
  filter?: { tenant?: string; types?: string[]; streamPrefix?: string };
}

export interface ReadStreamOptions {
  /** Inclusive stream version to start at (forwards) or end at (backwards). */
  from?: number;
  direction?: 'forwards' | 'backwards';
  limit?: number;
}

export interface EventStore {
  append(stream: string, events: NewEvent[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult>;
  /** Appends events of many streams in one transaction, with no version expectation (the recorder). */
  appendMany(events: NewEvent[]): Promise<AppendManyResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  headPosition(): Promise<number>;
  /** Calls `listener` with the last position after each commit (best effort: poll as a fallback). */
  onAppended(listener: (position: number) => void): Promise<() => Promise<void>>;
}

export class WrongExpectedVersion extends Error {
  override name = 'WrongExpectedVersion';
  constructor(
    readonly stream: string,
    readonly expected: ExpectedVersion,
    /** The stream's actual version; -1 when it does not exist. */
    readonly actual: number,
  ) {
    super(`stream ${stream}: expected version ${String(expected)}, actual ${actual}`);
  }
}

export class DuplicateEventConflict extends Error {
  override name = 'DuplicateEventConflict';
  constructor(readonly eventId: string, detail: string) {
    super(`event ${eventId} already stored ${detail}`);
  }
}
