import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { AckPolicy, jetstreamManager, StorageType, DeliverPolicy, type JetStreamManager } from '@nats-io/jetstream';
import type { BusNames } from '@pulse/events';

export type { NatsConnection };

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  return connect({
    servers: url.split(',').map((s) => s.trim()),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
}

/**
 * Declares Pulse's JetStream streams and durable consumers; this is the one place they are
 * defined (services only look them up). Idempotent: an existing stream is updated in place.
 */
export async function provisionBus(nc: NatsConnection, names: BusNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  await ensureStream(jsm, {
    name: names.inboxStream,
    subjects: [names.inboxAll],
    storage: StorageType.File,
    // Nats-Msg-Id = event id: a retried publish inside this window is dropped by the server.
    duplicate_window: nanos(10 * 60_000),
    max_age: nanos(7 * 24 * 3600_000),
  });
  await ensureStream(jsm, {
    name: names.dlqStream,
    subjects: [names.dlqAll],
    storage: StorageType.File,
    max_age: nanos(30 * 24 * 3600_000),
  });
  const consumer = {
    durable_name: names.recorderConsumer,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(30_000),
    max_ack_pending: 20_000,
    max_deliver: -1,
  };
  try {
    await jsm.consumers.info(names.inboxStream, names.recorderConsumer);
    await jsm.consumers.update(names.inboxStream, names.recorderConsumer, {
      ack_wait: consumer.ack_wait,
      max_ack_pending: consumer.max_ack_pending,
    });
  } catch {
    await jsm.consumers.add(names.inboxStream, consumer);
  }
}

async function ensureStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0]) {
  try {
    await jsm.streams.info(config.name!);
    await jsm.streams.update(config.name!, config);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    await jsm.streams.add(config);
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}

/** Removes a run's streams (tests use their own prefix and clean up after). */
export async function deleteBus(nc: NatsConnection, names: BusNames): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const stream of [names.inboxStream, names.dlqStream]) {
    try {
      await jsm.streams.delete(stream);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
