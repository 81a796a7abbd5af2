import { z } from 'zod';
import { TenantId, type ViewDelta, type ViewName, type ViewSnapshot } from '@pulse/events';
import type { Sql } from '@pulse/platform';
import { readFleetSnapshot } from './snapshots.ts';
import { FleetDelta } from './view-delta.schema.ts';

export interface ViewSource<V extends ViewName> {
  /** The tenant's whole view and the position it reflects, read in one consistent transaction. */
  readSnapshot: (sql: Sql, tenant: string) => Promise<ViewSnapshot<V>>;
  /** What a delta on ops.view.<tenant>.<view> must look like before it is fanned out. */
  delta: z.ZodType<ViewDelta<V>>;
}

/** Every view a browser can subscribe to, and where its snapshot and deltas come from. */
export const viewReaders: { [V in ViewName]?: ViewSource<V> } = {
  fleet: { readSnapshot: readFleetSnapshot, delta: FleetDelta },
};

export const servedViews = Object.keys(viewReaders) as [ViewName, ...ViewName[]];

export function isServedView(view: string): view is ViewName {
  return Object.hasOwn(viewReaders, view);
}

/** What a client may ask for in `subscribe`. */
export const SubscribeRequest = z.object({
  view: z.enum(servedViews),
  tenant: TenantId,
  since: z.number().int().nonnegative().optional(),
});
