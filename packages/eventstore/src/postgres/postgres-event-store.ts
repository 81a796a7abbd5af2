import type { Sql } from 'postgres';
import {
  defaultCategoryMaxAge,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type StreamMetadata,
  type SubscribeOptions,
} from '../port.ts';
import { appendMany } from './append-many.ts';
import { appendToStream } from './append-to-stream.ts';
import { applyRetention, type RetentionOptions } from './apply-retention.ts';
import { headPosition } from './head-position.ts';
import { readAll } from './read-all.ts';
import { readStream } from './read-stream.ts';
import type { CategoryMaxAge } from './retention-filter.ts';
import { EVENTS_CHANNEL } from './rows.ts';
import { getStreamMetadata, setStreamMetadata } from './stream-metadata.ts';
import { subscribe, type SubscriptionTuning } from './subscribe.ts';
import { StreamHeads } from './write-events.ts';

export interface PostgresEventStoreOptions {
  /** Default maxAge in seconds per stream category; telemetry keeps 30 days unless told otherwise. */
  categoryMaxAge?: CategoryMaxAge;
  subscription?: SubscriptionTuning;
  retention?: RetentionOptions;
}

/** The PostgreSQL event store: a thin object over one function per SQL operation. */
export class PostgresEventStore implements EventStore {
  private readonly categoryMaxAge: CategoryMaxAge;
  private readonly heads = new StreamHeads();

  constructor(
    private readonly sql: Sql,
    private readonly options: PostgresEventStoreOptions = {},
  ) {
    this.categoryMaxAge = options.categoryMaxAge ?? defaultCategoryMaxAge;
  }

  append(stream: string, events: NewEvent[], options: { expectedVersion?: ExpectedVersion } = {}) {
    return appendToStream(this.sql, stream, events, options.expectedVersion, { heads: this.heads });
  }

  appendMany(events: NewEvent[]) {
    return appendMany(this.sql, events, { heads: this.heads });
  }

  readStream(stream: string, options: ReadStreamOptions = {}) {
    return readStream(this.sql, stream, options, this.categoryMaxAge);
  }

  readAll(options: ReadAllOptions = {}) {
    return readAll(this.sql, options, this.categoryMaxAge);
  }

  headPosition() {
    return headPosition(this.sql);
  }

  async onAppended(listener: (position: number) => void) {
    const sub = await this.sql.listen(EVENTS_CHANNEL, (payload) => listener(Number(payload)));
    return () => sub.unlisten();
  }

  subscribe(options: SubscribeOptions = {}) {
    return subscribe(this.sql, options, this.categoryMaxAge, this.options.subscription);
  }

  setStreamMetadata(stream: string, metadata: StreamMetadata) {
    return setStreamMetadata(this.sql, stream, metadata);
  }

  getStreamMetadata(stream: string) {
    return getStreamMetadata(this.sql, stream);
  }

  applyRetention() {
    return applyRetention(this.sql, this.categoryMaxAge, this.options.retention);
  }

  /** The SQL pool belongs to the caller. */
  async close() {}
}
