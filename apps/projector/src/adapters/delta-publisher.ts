import { deltaMessageLimit, deltaMessages, type BusNames, type ViewDelta } from '@pulse/events';
import type { Logger, NatsConnection } from '@pulse/platform';

/**
 * Publishes view deltas on core NATS (ops.view.<tenant>.<view>): one message per tenant per batch,
 * or several parts when a delta would not fit half of the server's max_payload (see DeltaPart).
 * Deltas are a live convenience over the read model, not the record — a client that misses one
 * resnapshots — so a failed publish is logged and never stops the projection.
 */
export function deltaPublisher(
  nc: NatsConnection,
  names: BusNames,
  log: Logger,
): (deltas: ViewDelta[]) => void {
  const maxBytes = deltaMessageLimit(nc.info?.max_payload);
  return (deltas) => {
    for (const delta of deltas) {
      try {
        const subject = names.view(delta.tenant, delta.view);
        for (const message of deltaMessages(delta, maxBytes)) nc.publish(subject, message);
      } catch (err) {
        log.warn(
          { err, tenant: delta.tenant, view: delta.view, position: delta.position },
          'delta publish failed',
        );
      }
    }
  };
}
