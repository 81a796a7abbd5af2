import type { BusNames, ViewDelta } from '@pulse/events';
import type { Logger, NatsConnection } from '@pulse/platform';

/**
 * Publishes view deltas on core NATS (ops.view.<tenant>.<view>): one message per tenant per batch.
 * Deltas are a live convenience over the read model, not the record — a client that misses one
 * resnapshots — so a failed publish is logged and never stops the projection.
 */
export function deltaPublisher(
  nc: NatsConnection,
  names: BusNames,
  log: Logger,
): (deltas: ViewDelta[]) => void {
  return (deltas) => {
    for (const delta of deltas) {
      try {
        nc.publish(names.view(delta.tenant, delta.view), JSON.stringify(delta));
      } catch (err) {
        log.warn(
          { err, tenant: delta.tenant, view: delta.view, position: delta.position },
          'delta publish failed',
        );
      }
    }
  };
}
