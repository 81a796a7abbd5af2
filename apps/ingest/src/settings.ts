import { z } from 'zod';
import { CommonSettings } from '@pulse/platform';

export const roles = ['edge', 'recorder', 'commands'] as const;
export type Role = (typeof roles)[number];

const Roles = z
  .string()
  .default('edge,recorder,commands')
  .transform((v) =>
    v
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean),
  )
  .pipe(z.array(z.enum(roles)).min(1, 'name at least one role: edge, recorder, commands'))
  .transform((list) => new Set<Role>(list));

const Int = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/**
 * The ingest process's settings. Edge, recorder and command handlers run in one process (the
 * default) or in separate ones (INGEST_ROLES=edge / recorder / commands) so each scales on its own.
 */
export const IngestSettings = CommonSettings.extend({
  INGEST_PORT: Int(0, 65_535, 8080),
  INGEST_HOST: z.string().min(1).default('127.0.0.1'),
  INGEST_ROLES: Roles,
  /** Largest request body the edge reads, in bytes (1 MiB). */
  INGEST_BODY_LIMIT: Int(1024, 64 * 1024 * 1024, 1024 * 1024),
  /** Most events one request may carry. */
  INGEST_MAX_EVENTS: Int(1, 100_000, 5000),
  /** How long a verified ingest key is trusted without asking the database again. */
  INGEST_KEY_CACHE_MS: Int(0, 3_600_000, 30_000),
  /** How long `?wait=commit` waits for the event store before answering 504. */
  INGEST_COMMIT_WAIT_MS: Int(100, 120_000, 10_000),
  /** Inbox messages the recorder may lag behind before the edge answers 429 (0: never). */
  INGEST_BACKPRESSURE_LAG: Int(0, 10_000_000, 1000),
  /** Events a second one tenant may send on average (a token bucket; 0: no limit). */
  INGEST_TENANT_RATE: Int(0, 10_000_000, 100_000),
  /** The bucket's size: the most events a tenant may send in one burst. */
  INGEST_TENANT_BURST: Int(1, 10_000_000, 200_000),
  /** How long a machine token lives without a heartbeat (each heartbeat starts it again). */
  MACHINE_TOKEN_TTL_S: Int(60, 365 * 24 * 3600, 30 * 24 * 3600),
  /** Most messages the recorder pulls at once (a message holds one event or an HTTP batch). */
  RECORDER_BATCH_SIZE: Int(1, 10_000, 500),
  /** How long a batch that failed to commit waits before JetStream redelivers it. */
  RECORDER_RETRY_DELAY_MS: Int(0, 600_000, 2000),
  /** Most events the recorder appends in one transaction. */
  RECORDER_APPEND_MAX_EVENTS: Int(1, 50_000, 2000),
  /** An append that takes longer counts as failed (its batch comes back) and the pool is renewed. */
  RECORDER_APPEND_TIMEOUT_MS: Int(500, 600_000, 15_000),
  /** Appends the recorder keeps in flight at once, each for its own share of the streams. */
  RECORDER_APPEND_LANES: Int(1, 16, 3),
  /**
   * The CPU niceness a recorder-only process gives itself (0 to 19; higher yields more). JetStream
   * buffers the recorder's work, so it needs throughput, not latency; on a host it shares with
   * edges, the edges' answers go first. Ignored when the process is also an edge.
   */
  RECORDER_NICE: Int(0, 19, 10),
});

export type IngestSettings = z.infer<typeof IngestSettings>;
