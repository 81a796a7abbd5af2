/**
 * apps/ingest: the edge (HTTP ingest API) and the recorder (inbox → event store), in one
 * process or, with INGEST_ROLES, in separate ones. Run: node --import tsx apps/ingest/src/main.ts
 */
import type { AddressInfo } from 'node:net';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { CommandBus } from '@nestjs/cqrs';
import { busNames } from '@pulse/events';
import { PostgresEventStore } from '@pulse/eventstore';
import {
  connectNats,
  createLogger,
  createSql,
  loadSettings,
  provisionBus,
  runMain,
  type Logger,
  type NatsConnection,
  yieldCpu,
} from '@pulse/platform';
import { CommittedNotifier } from './adapters/committed-notifier.ts';
import { CommittedPositions } from './adapters/committed-positions.ts';
import { DeadLetters } from './adapters/dead-letters.ts';
import { InboxLag } from './adapters/inbox-lag.ts';
import { InboxPublisher } from './adapters/inbox-publisher.ts';
import { IngestMetrics } from './adapters/metrics.ts';
import { Readiness } from './adapters/readiness.ts';
import { RecorderStore } from './adapters/recorder-store.ts';
import { createHttpServer } from './edge/http-server.ts';
import { CommandListener } from './edge/nats/command-listener.ts';
import { AppendPipeline } from './recorder/append-pipeline.ts';
import { Recorder } from './recorder/recorder.ts';
import { IngestSettings } from './settings.ts';

await runMain(async () => {
  const settings = loadSettings(IngestSettings);
  const log = createLogger('ingest', settings.LOG_LEVEL);
  guardAgainstStrayErrors(log);
  const names = busNames(settings.NATS_PREFIX);

  const nc = await connectNats(settings.NATS_URL, 'pulse-ingest').catch((err: Error) =>
    fail(log, err, `cannot connect to NATS at NATS_URL=${settings.NATS_URL}`),
  );
  watchNats(nc, log);
  // Idempotent: a fresh NATS server gets the streams and the recorder's consumer.
  await provisionBus(nc, names).catch((err: Error) =>
    fail(log, err, 'cannot provision the JetStream streams (is JetStream enabled?)'),
  );
  const js = jetstream(nc);

  // PostgreSQL may come up after us: readiness reports it, the recorder retries, keys fail with 503.
  const sql = createSql(settings.DATABASE_URL, { name: 'pulse-ingest' });
  await sql`SELECT 1`.catch((err: Error) =>
    log.warn({ err: err.message }, 'PostgreSQL is not reachable at DATABASE_URL yet'),
  );

  const metrics = new IngestMetrics();
  const store = new PostgresEventStore(sql);
  const app = await createHttpServer({
    settings,
    log,
    sql,
    metrics,
    readiness: new Readiness(nc, sql),
    inbox: new InboxPublisher(js, names, nc.info?.max_payload),
    committed: new CommittedPositions(sql, settings.INGEST_COMMIT_WAIT_MS),
    lag: new InboxLag(await jetstreamManager(nc), names),
    store,
  });
  await app.listen(settings.INGEST_PORT, settings.INGEST_HOST);
  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = ['0.0.0.0', '::'].includes(settings.INGEST_HOST) ? '127.0.0.1' : settings.INGEST_HOST;
  log.info({ roles: [...settings.INGEST_ROLES], port }, `ingest listening on http://${host}:${port}`);

  let recorder: Recorder | undefined;
  let recorderStore: RecorderStore | undefined;
  let pipeline: AppendPipeline | undefined;
  if (settings.INGEST_ROLES.has('recorder')) {
    if (!settings.INGEST_ROLES.has('edge')) yieldCpu(settings.RECORDER_NICE, log, 'recorder');
    // The recorder's own pool, which it can replace if PostgreSQL strands it (recorder-store.ts).
    recorderStore = new RecorderStore(
      () => {
        const own = createSql(settings.DATABASE_URL, { name: 'pulse-recorder' });
        return { store: new PostgresEventStore(own), close: () => own.end({ timeout: 1 }) };
      },
      settings.RECORDER_APPEND_TIMEOUT_MS,
      log,
    );
    const deps = {
      names,
      store: recorderStore,
      deadLetters: new DeadLetters(js, names),
      notifier: new CommittedNotifier(nc, names),
      metrics,
      log,
      retryDelayMs: settings.RECORDER_RETRY_DELAY_MS,
      appendMaxEvents: settings.RECORDER_APPEND_MAX_EVENTS,
    };
    pipeline = new AppendPipeline(deps, settings.RECORDER_APPEND_LANES);
    recorder = new Recorder({
      js,
      names,
      log,
      batchSize: settings.RECORDER_BATCH_SIZE,
      // Pipelined: the next pull is planned while earlier appends commit (append-pipeline.ts).
      handle: (batch) => pipeline!.submit(batch),
    });
    recorder.start();
  }

  let commands: CommandListener | undefined;
  if (settings.INGEST_ROLES.has('commands')) {
    commands = new CommandListener(nc, names, app.get(CommandBus), log);
    commands.start();
  }

  survivePostgresSocketBug(log, () => recorderStore?.renew('postgres.js lost a reserved connection'));

  // Stop taking requests first, then let the batch in hand finish, then flush NATS and SQL.
  onShutdown(log, [
    ['http', () => closeHttp(app, 3000)],
    ['commands', () => commands?.stop()],
    ['recorder', () => recorder?.stop()],
    ['appends', () => pipeline?.drain()],
    ['nats', () => nc.drain()],
    ['postgres', () => Promise.all([sql.end({ timeout: 5 }), recorderStore?.close()])],
  ]);
});

/**
 * Stops taking requests and lets those in flight finish for up to `graceMs`; then cuts the
 * connections still open. Node's close waits for every busy connection, and one a client left
 * mid-request (e.g. still sending a body it was already refused with 413) held shutdown until
 * the 15 s deadline. A request cut here was not answered; its client retries with the same ids.
 */
async function closeHttp(app: Awaited<ReturnType<typeof createHttpServer>>, graceMs: number): Promise<void> {
  const server = app.getHttpServer();
  const cut = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await app.close();
  } finally {
    clearTimeout(cut);
  }
}

function fail(log: Logger, err: Error, message: string): never {
  log.fatal({ err: err.message }, message);
  process.exit(1);
}

function onShutdown(log: Logger, steps: [string, () => Promise<unknown> | undefined][]): void {
  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    log.info({ signal }, 'ingest shutting down');
    setTimeout(() => {
      log.error('ingest shutdown took longer than 15 s; exiting');
      process.exit(1);
    }, 15_000).unref();
    for (const [name, step] of steps) {
      try {
        await step();
      } catch (err) {
        log.warn({ err, step: name }, 'shutdown step failed');
      }
    }
    log.info('ingest stopped');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

function watchNats(nc: NatsConnection, log: Logger): void {
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect' || s.type === 'error')
        log.warn({ nats: s }, `NATS ${s.type}`);
    }
  })().catch(() => {});
}

/**
 * postgres.js throws from a timer, outside any promise, when PostgreSQL ends a reserved
 * connection under it (porsager/postgres #1208: `socket.write` on a closed socket), so a database
 * restart would kill the recorder. That one error is survived by renewing the recorder's pool
 * (its appends in flight fail and their batches come back); any other uncaught error is fatal.
 */
function survivePostgresSocketBug(log: Logger, renew: () => void): void {
  process.on('uncaughtException', (err) => {
    if (err instanceof TypeError && /postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '')) {
      log.error({ err }, 'postgres.js lost a connection outside a query; renewing the pool');
      renew();
      return;
    }
    log.fatal({ err }, 'uncaught exception');
    process.exit(1);
  });
}

/** Bad input must never take the process down; a promise nobody awaited is logged, not fatal. */
function guardAgainstStrayErrors(log: Logger): void {
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
}
