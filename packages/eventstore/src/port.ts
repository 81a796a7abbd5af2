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

/** Where a subscription starts: after a position (exclusive), from the beginning, or after the current head. */
export type SubscribeFrom = number | 'start' | 'end';

export interface SubscribeOptions {
  from?: SubscribeFrom;
  filter?: ReadAllOptions['filter'];
  /** Ends the iteration (it returns; it does not throw). `return()` on the iterator does the same. */
  signal?: AbortSignal;
}

/**
 * Stream retention, as in KurrentDB's `$maxAge` / `$tb`. Reads hide what it excludes at once;
 * `applyRetention()` deletes it later. Setting metadata replaces the previous metadata as a whole.
 */
export interface StreamMetadata {
  /** Seconds: events recorded longer ago than this are expired. Overrides the category default. */
  maxAge?: number;
  /** Stream versions below this are expired. */
  truncateBefore?: number;
}

export interface RetentionResult {
  deleted: number;
}

export interface EventStore {
  append(stream: string, events: NewEvent[], options?: { expectedVersion?: ExpectedVersion }): Promise<AppendResult>;
  /** Appends events of many streams in one transaction, with no version expectation (the recorder). */
  appendMany(events: NewEvent[]): Promise<AppendManyResult>;
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /**
   * The global order after `fromPosition`. Returns only settled events, those with no lower
   * position still in flight, so a reader that moves its checkpoint to the last one it got never
   * skips an event that commits later. Right after an append, a read may come back short for a
   * moment (while an earlier transaction is still open); it never comes back with a hole.
   */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /** The highest committed position (readAll reaches it once every lower position has settled). */
  headPosition(): Promise<number>;
  /** Calls `listener` with the last position after each commit (best effort: poll as a fallback). */
  onAppended(listener: (position: number) => void): Promise<() => Promise<void>>;
  /**
   * Catch-up, then live: every event after `from` that matches the filter, once each, in position
   * order, with no gap at the handover. Pull-based: nothing is read ahead of the consumer.
   */
  subscribe(options?: SubscribeOptions): AsyncGenerator<RecordedEvent, void, undefined>;
  setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void>;
  getStreamMetadata(stream: string): Promise<StreamMetadata>;
  /** Deletes expired events (stream metadata and category defaults), in small batches. */
  applyRetention(): Promise<RetentionResult>;
  /** Releases what the store opened itself (a KurrentDB client); a shared SQL pool stays open. */
  close(): Promise<void>;
}

/** Category defaults for `maxAge` in seconds: telemetry keeps 30 days, every other category forever. */
export const defaultCategoryMaxAge: Readonly<Record<string, number>> = { telemetry: 30 * 24 * 3600 };

/** `machine-acme.m-42` → `machine` (stream names are `<category>-<tenant>.<id>`). */
export function categoryOf(stream: string): string {
  const dash = stream.indexOf('-');
  return dash < 0 ? stream : stream.slice(0, dash);
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
