import { isDeepStrictEqual } from 'node:util';
import type { EventMetadata, RecordedEvent } from '@pulse/events';
import {
  ANY,
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  WrongExpectedVersionError,
  eventTypeFilter,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AppendStreamState,
  type Filter,
  type Position,
  type ResolvedEvent,
} from '@kurrent/kurrentdb-client';
import {
  DuplicateEventConflict,
  WrongExpectedVersion,
  categoryOf,
  defaultCategoryMaxAge,
  type AppendManyResult,
  type AppendResult,
  type EventStore,
  type ExpectedVersion,
  type NewEvent,
  type ReadAllOptions,
  type ReadStreamOptions,
  type RetentionResult,
  type StreamMetadata,
  type SubscribeOptions,
} from '../port.ts';

export interface KurrentDBEventStoreOptions {
  /** Default maxAge in seconds per stream category, as for the PostgreSQL store. */
  categoryMaxAge?: Readonly<Record<string, number>>;
  /** How far back in a stream an append looks for ids it already stored (idempotent retries). */
  idempotencyWindow?: number;
}

/**
 * The EventStore port over KurrentDB's official client. KurrentDB orders the log itself (one
 * writer), so $all has no gaps and positions are its log positions (bytes, well inside 2^53).
 *
 * Where KurrentDB differs, the adapter fills in:
 * - The envelope fields KurrentDB has no place for (tenant, occurredAt, schemaVersion) travel in the
 *   event's metadata, next to Pulse's own metadata; all string values, as multi-stream appends
 *   require.
 * - Idempotency: KurrentDB dedupes a retried write by event id only at the same expected version
 *   (best effort for `any`). The adapter also looks at the stream's last `idempotencyWindow`
 *   events and compares content, so a retry succeeds and a reused id with other content is a
 *   DuplicateEventConflict. It cannot see an id stored in another stream (no index by event id).
 * - Retention: $maxAge / $tb are set on the stream; category defaults are set when the adapter
 *   creates a stream. KurrentDB applies them to stream reads and deletes on scavenge, but $all
 *   reads return expired events until then, so readAll and subscribe drop them here, with the
 *   stream's metadata cached for a minute.
 */
export class KurrentDBEventStore implements EventStore {
  private readonly categoryMaxAge: Readonly<Record<string, number>>;
  private readonly window: number;
  private readonly metadataCache = new Map<string, { metadata: StreamMetadata; until: number }>();

  constructor(
    private readonly client: KurrentDBClient,
    options: KurrentDBEventStoreOptions = {},
  ) {
    this.categoryMaxAge = options.categoryMaxAge ?? defaultCategoryMaxAge;
    this.window = options.idempotencyWindow ?? 1000;
  }

  static connect(url: string, options?: KurrentDBEventStoreOptions): KurrentDBEventStore {
    return new KurrentDBEventStore(KurrentDBClient.connectionString(url), options);
  }

  async append(stream: string, events: NewEvent[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    if (events.length === 0) throw new Error('append needs at least one event');
    const expected = options.expectedVersion ?? 'any';
    const { stored, fresh } = await this.alreadyStored(stream, events);
    if (fresh.length === 0) {
      const last = stored.reduce((a, b) => (a.position > b.position ? a : b));
      return { nextVersion: last.streamVersion, lastPosition: last.position };
    }
    if (stored.length > 0) throw new DuplicateEventConflict(stored[0]!.id, `in ${stream}, but not every event of this append is`);
    try {
      const result = await this.client.appendToStream(stream, fresh.map(toEventData), { streamState: streamState(expected) });
      const nextVersion = Number(result.nextExpectedRevision);
      if (nextVersion === fresh.length - 1) await this.applyCategoryDefault(stream);
      const lastPosition = result.position ? toNumber(result.position) : await this.positionOf(stream, nextVersion);
      return { nextVersion, lastPosition };
    } catch (err) {
      throw toPortError(err, stream, expected);
    }
  }

  /** One atomic multi-stream append (KurrentDB 25.1 or later), with no version expectation. */
  async appendMany(batch: NewEvent[]): Promise<AppendManyResult> {
    if (batch.length === 0) return { positions: new Map(), appended: 0, lastPosition: 0 };
    const byStream = new Map<string, NewEvent[]>();
    for (const e of batch) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e]);
    const positions = new Map<string, number>();
    const requests = [];
    const seen = new Set<string>();
    for (const [stream, events] of byStream) {
      const { stored, fresh } = await this.alreadyStored(stream, events.filter((e) => !seen.has(e.id) && seen.add(e.id)));
      for (const e of stored) positions.set(e.id, e.position);
      if (fresh.length > 0) requests.push({ streamName: stream, events: fresh.map(toEventData), expectedState: ANY as AppendStreamState });
    }
    let appended = 0;
    if (requests.length > 0) {
      const result = await this.client.multiStreamAppend(requests);
      appended = requests.reduce((n, r) => n + r.events.length, 0);
      for (const response of result.responses) {
        const request = requests.find((r) => r.streamName === response.streamName)!;
        if (Number(response.revision) === request.events.length - 1) await this.applyCategoryDefault(response.streamName);
      }
      // The result names the transaction's last position only; its events are the last ones in
      // $all up to there, so read them back for each id's own position.
      const ids = new Set(requests.flatMap((r) => r.events.map((e) => e.id)));
      const last: Position = { commit: result.position, prepare: result.position };
      for await (const resolved of this.client.readAll({ fromPosition: last, direction: BACKWARDS, maxCount: appended })) {
        const e = resolved.event;
        if (e?.position && ids.has(e.id)) positions.set(e.id, toNumber(e.position));
      }
      for (const id of ids) if (!positions.has(id)) positions.set(id, Number(result.position));
    }
    let lastPosition = 0;
    for (const p of positions.values()) if (p > lastPosition) lastPosition = p;
    return { positions, appended, lastPosition };
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    const backwards = options.direction === 'backwards';
    const events: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, {
        direction: backwards ? BACKWARDS : FORWARDS,
        fromRevision: options.from === undefined ? (backwards ? END : START) : BigInt(options.from),
        maxCount: options.limit ?? 1000,
      })) {
        const e = toRecordedEvent(resolved);
        if (e) events.push(e);
      }
    } catch (err) {
      if (err instanceof StreamNotFoundError) return [];
      throw err;
    }
    return this.unexpired(events);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    const { fromPosition = 0, limit = 1000, filter = {} } = options;
    const events: RecordedEvent[] = [];
    // Client-side filters and retention may drop events: read on until `limit` or the end.
    let after = fromPosition;
    for (;;) {
      const page: RecordedEvent[] = [];
      let read = 0;
      for await (const resolved of this.client.readAll({ fromPosition: after > 0 ? at(after) : START, maxCount: limit, filter: serverFilter(filter) })) {
        read++;
        const e = toRecordedEvent(resolved);
        if (resolved.event?.position) after = Math.max(after, toNumber(resolved.event.position));
        if (e && e.position > fromPosition && matches(e, filter)) page.push(e);
      }
      events.push(...(await this.unexpired(page)));
      if (events.length >= limit || read < limit) return events.slice(0, limit);
    }
  }

  async headPosition(): Promise<number> {
    for await (const resolved of this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1, filter: excludeSystemEvents() })) {
      if (resolved.event?.position) return toNumber(resolved.event.position);
    }
    return 0;
  }

  /** KurrentDB has no NOTIFY: a live $all subscription from the end stands in for it. */
  async onAppended(listener: (position: number) => void) {
    const subscription = this.client.subscribeToAll({ fromPosition: END, filter: excludeSystemEvents() });
    subscription.on('data', (resolved: AllStreamResolvedEvent) => {
      if (resolved.event?.position) listener(toNumber(resolved.event.position));
    });
    subscription.on('error', () => {});
    return () => subscription.unsubscribe();
  }

  /**
   * KurrentDB's catch-up subscription does catch-up and live itself, with no gap at the handover.
   * It is a Node stream: iterating it pulls, and a full buffer pauses the gRPC stream.
   */
  async *subscribe(options: SubscribeOptions = {}): AsyncGenerator<RecordedEvent, void, undefined> {
    const { from = 'start', filter = {}, signal } = options;
    const subscription = this.client.subscribeToAll({
      fromPosition: from === 'start' ? START : from === 'end' ? END : at(from),
      filter: serverFilter(filter),
    });
    const stop = () => void subscription.unsubscribe();
    signal?.addEventListener('abort', stop);
    try {
      for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
        if (signal?.aborted) return;
        const e = toRecordedEvent(resolved);
        if (!e || (typeof from === 'number' && e.position <= from) || !matches(e, filter)) continue;
        if ((await this.unexpired([e])).length === 0) continue;
        yield e;
      }
    } finally {
      signal?.removeEventListener('abort', stop);
      await subscription.unsubscribe().catch(() => {});
    }
  }

  async setStreamMetadata(stream: string, metadata: StreamMetadata): Promise<void> {
    await this.client.setStreamMetadata(stream, {
      ...(metadata.maxAge !== undefined ? { maxAge: metadata.maxAge } : {}),
      ...(metadata.truncateBefore !== undefined ? { truncateBefore: metadata.truncateBefore } : {}),
    });
    this.metadataCache.delete(stream);
  }

  async getStreamMetadata(stream: string): Promise<StreamMetadata> {
    const cached = this.metadataCache.get(stream);
    if (cached && cached.until > Date.now()) return cached.metadata;
    const { metadata: raw } = await this.client.getStreamMetadata(stream);
    const metadata: StreamMetadata = {};
    if (typeof raw?.maxAge === 'number') metadata.maxAge = raw.maxAge;
    if (typeof raw?.truncateBefore === 'number') metadata.truncateBefore = raw.truncateBefore;
    this.metadataCache.set(stream, { metadata, until: Date.now() + 60_000 });
    return metadata;
  }

  /** KurrentDB deletes expired events when the server scavenges (scheduled there); reads hide them already. */
  async applyRetention(): Promise<RetentionResult> {
    return { deleted: 0 };
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }

  /** Splits an append into events already in the stream's recent tail (same content) and new ones. */
  private async alreadyStored(stream: string, events: NewEvent[]) {
    const wanted = new Map(events.map((e) => [e.id.toLowerCase(), e]));
    const stored: RecordedEvent[] = [];
    try {
      for await (const resolved of this.client.readStream(stream, { direction: BACKWARDS, fromRevision: END, maxCount: this.window })) {
        const e = toRecordedEvent(resolved);
        const mine = e && wanted.get(e.id.toLowerCase());
        if (!e || !mine) continue;
        if (mine.type !== e.type || !isDeepStrictEqual(mine.data, e.data)) {
          throw new DuplicateEventConflict(e.id, `in ${stream} with other content`);
        }
        stored.push(e);
      }
    } catch (err) {
      if (!(err instanceof StreamNotFoundError)) throw err;
    }
    const storedIds = new Set(stored.map((e) => e.id.toLowerCase()));
    return { stored, fresh: events.filter((e) => !storedIds.has(e.id.toLowerCase())) };
  }

  private async positionOf(stream: string, version: number): Promise<number> {
    for await (const resolved of this.client.readStream(stream, { fromRevision: BigInt(version), maxCount: 1 })) {
      if (resolved.event?.position) return toNumber(resolved.event.position);
    }
    return 0;
  }

  /** A new stream of a category with a default maxAge gets it as $maxAge, so scavenging applies it. */
  private async applyCategoryDefault(stream: string) {
    const maxAge = this.categoryMaxAge[categoryOf(stream)];
    if (maxAge !== undefined) await this.setStreamMetadata(stream, { maxAge });
  }

  private async unexpired(events: RecordedEvent[]): Promise<RecordedEvent[]> {
    const now = Date.now();
    const kept: RecordedEvent[] = [];
    for (const e of events) {
      const metadata = await this.getStreamMetadata(e.stream);
      const maxAge = metadata.maxAge ?? this.categoryMaxAge[categoryOf(e.stream)];
      if (e.streamVersion < (metadata.truncateBefore ?? 0)) continue;
      if (maxAge !== undefined && Date.parse(e.recordedAt) < now - maxAge * 1000) continue;
      kept.push(e);
    }
    return kept;
  }
}

function streamState(expected: ExpectedVersion): AppendStreamState {
  if (expected === 'any') return ANY;
  if (expected === 'no_stream') return NO_STREAM;
  if (expected === 'stream_exists') return STREAM_EXISTS;
  return BigInt(expected);
}

function toPortError(err: unknown, stream: string, expected: ExpectedVersion): unknown {
  if (!(err instanceof WrongExpectedVersionError)) return err;
  const actual = typeof err.actualState === 'bigint' ? Number(err.actualState) : -1;
  return new WrongExpectedVersion(stream, expected, actual);
}

function toEventData(e: NewEvent) {
  const metadata: Record<string, string> = {
    ...Object.fromEntries(Object.entries(e.metadata ?? {}).filter(([, v]) => typeof v === 'string')),
    tenant: e.tenant,
    occurredAt: e.occurredAt,
    schemaVersion: String(e.schemaVersion),
  };
  return jsonEvent({ id: e.id, type: e.type, data: e.data, metadata });
}

/** A Pulse event from a resolved KurrentDB event; null for links and system events. */
function toRecordedEvent(resolved: ResolvedEvent | AllStreamResolvedEvent): RecordedEvent | null {
  const e = resolved.event;
  if (!e || !e.isJson || e.streamId.startsWith('$') || e.type.startsWith('$')) return null;
  const { tenant, occurredAt, schemaVersion, ...rest } = (e.metadata ?? {}) as Record<string, string>;
  return {
    id: e.id,
    type: e.type,
    tenant: tenant ?? '',
    stream: e.streamId,
    streamVersion: Number(e.revision),
    // Stream reads from older servers carry no log position; -1 says so rather than guess.
    position: e.position ? toNumber(e.position) : -1,
    occurredAt: occurredAt ?? e.created.toISOString(),
    recordedAt: e.created.toISOString(),
    schemaVersion: Number(schemaVersion ?? 1),
    data: e.data as Record<string, unknown>,
    metadata: rest as EventMetadata,
  };
}

/** Log positions are byte offsets; commit and prepare differ only inside explicit transactions. */
function toNumber(position: Position): number {
  return Number(position.commit);
}

function at(position: number): Position {
  return { commit: BigInt(position), prepare: BigInt(position) };
}

/** One filter runs on the server (stream prefix, else types); matches() checks every field here. */
function serverFilter(filter: ReadAllOptions['filter'] = {}): Filter {
  if (filter.streamPrefix) return streamNameFilter({ prefixes: [filter.streamPrefix] });
  if (filter.types?.length) return eventTypeFilter({ prefixes: filter.types });
  return excludeSystemEvents();
}

function matches(e: RecordedEvent, filter: ReadAllOptions['filter'] = {}): boolean {
  if (filter.tenant && e.tenant !== filter.tenant) return false;
  if (filter.types?.length && !filter.types.includes(e.type)) return false;
  if (filter.streamPrefix && !e.stream.startsWith(filter.streamPrefix)) return false;
  return true;
}
