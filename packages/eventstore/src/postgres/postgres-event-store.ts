import type { Sql } from 'postgres';
import type { EventStore, ExpectedVersion, NewEvent, ReadAllOptions, ReadStreamOptions } from '../port.ts';
import { appendMany } from './append-many.ts';
import { appendToStream } from './append-to-stream.ts';
import { headPosition, readAll, readStream } from './read.ts';

/** The PostgreSQL event store: a thin object over one function per SQL operation. */
export class PostgresEventStore implements EventStore {
  constructor(private readonly sql: Sql) {}

  append(stream: string, events: NewEvent[], options: { expectedVersion?: ExpectedVersion } = {}) {
    return appendToStream(this.sql, stream, events, options.expectedVersion);
  }

  appendMany(events: NewEvent[]) {
    return appendMany(this.sql, events);
  }

  readStream(stream: string, options?: ReadStreamOptions) {
    return readStream(this.sql, stream, options);
  }

  readAll(options?: ReadAllOptions) {
    return readAll(this.sql, options);
  }

  headPosition() {
    return headPosition(this.sql);
  }

  async onAppended(listener: (position: number) => void) {
    const sub = await this.sql.listen('pulse_events', (payload) => listener(Number(payload)));
    return () => sub.unlisten();
  }
}
