import { z } from 'zod';
import {
  TenantId,
  viewRowKey,
  type DeltaPart,
  type ViewDelta,
  type ViewName,
  type ViewRows,
  type ViewSnapshot,
} from '@pulse/events';
import type { Sql } from '@pulse/platform';
import {
  readAlertCountsSnapshot,
  readAlertsSnapshot,
  readFleetRollupsSnapshot,
  readFleetSnapshot,
  readFunnelSnapshot,
  readSystemSnapshot,
  readTelemetrySnapshot,
  readTicketsSnapshot,
} from './snapshots.ts';

export interface ViewReader<V extends ViewName> {
  /** The tenant's whole view (or one subject's) and the position it reflects, read consistently. */
  readSnapshot: (sql: Sql, tenant: string, key?: string) => Promise<ViewSnapshot<V>>;
  /** Views too big to send whole are split by subject: each subject is a room of its own. */
  splitBy?: (row: ViewRows[V]) => string;
  /**
   * A measurement, not a fold of events (`system`: projector lag, sent by the projector every few
   * seconds). Its rows change while no event is stored, so positions cannot order it: this node
   * stamps each delta and snapshot with its clock instead, and a reconnect always takes a snapshot.
   */
  measured?: boolean;
  /**
   * Rows may go out as patches (the fields that changed, see DeltaCoalescer). Only for a view
   * whose snapshot holds every row of the view, so a client has each row a patch applies to (the
   * alerts snapshot leaves out long-resolved alerts, which may reopen).
   */
  patch?: boolean;
}

/** Every view a browser can subscribe to, and where its snapshot comes from. */
export const viewReaders: { [V in ViewName]?: ViewReader<V> } = {
  fleet: { readSnapshot: readFleetSnapshot, patch: true },
  fleet_rollups: { readSnapshot: readFleetRollupsSnapshot },
  alerts: { readSnapshot: readAlertsSnapshot },
  alert_counts: { readSnapshot: readAlertCountsSnapshot },
  funnel: { readSnapshot: readFunnelSnapshot },
  telemetry: { readSnapshot: readTelemetrySnapshot, splitBy: (row) => row.subject },
  tickets: { readSnapshot: readTicketsSnapshot },
  system: { readSnapshot: readSystemSnapshot, measured: true },
};

export const servedViews = Object.keys(viewReaders) as [ViewName, ...ViewName[]];

export function isServedView(view: string): view is ViewName {
  return Object.hasOwn(viewReaders, view);
}

/**
 * What a web node accepts from `ops.view.<tenant>.<view>` before it fans a delta out to browsers:
 * the envelope, and rows that are objects carrying their view's key. The row fields themselves
 * are the projector's, typed by the shared contract; checking every field of every view here on
 * the hot path would cost more than it protects. A malformed message is logged and dropped,
 * never broadcast (invariant 9).
 */
export const ViewDeltaEnvelope = z
  .object({
    view: z.enum(servedViews),
    tenant: TenantId,
    position: z.number().int().nonnegative(),
    rows: z.array(z.record(z.string(), z.unknown())),
    /** One of the messages of a delta too large for one (DeltaPart); the web joins them first. */
    part: z
      .object({ index: z.number().int().nonnegative(), count: z.number().int().positive() })
      .refine((p) => p.index < p.count, 'part index must be below its count')
      .optional(),
  })
  .superRefine((delta, ctx) => {
    for (const [i, row] of delta.rows.entries()) {
      const key = viewRowKey(delta.view, row as never);
      if (typeof key !== 'string' || key.includes('undefined'))
        ctx.addIssue({ code: 'custom', path: ['rows', i], message: `a ${delta.view} row without its key` });
    }
  }) as unknown as z.ZodType<ViewDelta & { part?: DeltaPart }>;

/** What a client may ask for in `subscribe`. */
export const SubscribeRequest = z.object({
  view: z.enum(servedViews),
  tenant: TenantId,
  key: z.string().min(1).max(200).optional(),
  since: z.number().int().nonnegative().optional(),
});
