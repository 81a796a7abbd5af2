import { DeltaAssembler, type BusNames, type ViewDelta } from '@pulse/events';
import type { Logger, NatsConnection } from '@pulse/platform';
import { z } from 'zod';
import { isServedView, ViewDeltaEnvelope } from './views.ts';

/**
 * Every web node subscribes to all view deltas itself (plain core NATS, no queue group), so any
 * node can serve any client and no Socket.IO adapter is needed.
 */
export function subscribeViewDeltas(
  nc: NatsConnection,
  names: BusNames,
  log: Logger,
  onDelta: (delta: ViewDelta) => void,
): { unsubscribe: () => void } {
  const parts = new DeltaAssembler();
  const sub = nc.subscribe(names.viewAll, {
    callback: (err, msg) => {
      if (err) {
        log.error({ err }, 'view delta subscription failed');
        return;
      }
      const target = names.parseView(msg.subject);
      // A view this web node does not serve (yet): nobody here could be watching it.
      if (!target || !isServedView(target.view)) return;
      let body: unknown;
      try {
        body = msg.json();
      } catch {
        log.warn({ subject: msg.subject }, 'dropped a view delta that is not JSON');
        return;
      }
      const parsed = ViewDeltaEnvelope.safeParse(body);
      if (!parsed.success || parsed.data.tenant !== target.tenant || parsed.data.view !== target.view) {
        const reason = parsed.success
          ? 'tenant or view differs from its subject'
          : z.prettifyError(parsed.error);
        log.warn({ subject: msg.subject, reason }, 'dropped an invalid view delta');
        return;
      }
      const whole = parts.accept(parsed.data, (reason) =>
        log.warn({ subject: msg.subject, reason }, 'dropped an incomplete view delta'),
      );
      if (whole) onDelta(whole);
    },
  });
  return { unsubscribe: () => sub.unsubscribe() };
}
