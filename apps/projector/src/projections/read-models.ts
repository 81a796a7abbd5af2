import { alertsProjection } from './alerts/alerts.projection.ts';
import { fleetProjection } from './fleet/fleet.projection.ts';
import { funnelProjection } from './funnel/funnel.projection.ts';
import type { Projection } from './projection.ts';
import { telemetryProjection } from './telemetry/telemetry.projection.ts';
import { ticketsProjection } from './tickets/tickets.projection.ts';

/** Every read model, by name: what the projector keeps live and `rebuild` can rebuild. */
export const readModels: readonly Projection[] = [
  fleetProjection,
  alertsProjection,
  funnelProjection,
  telemetryProjection,
  ticketsProjection,
] as Projection[];

export function readModel(name: string): Projection | undefined {
  return readModels.find((p) => p.name === name);
}
