import { z } from 'zod';
import { fingerprint, isoTime, issuesOf, machineIdFrom, UnmappablePayload, type MappedEvent } from './mapped-event.ts';

/**
 * Tactical RMM alert actions (Settings → Global Settings → Alerts / an Alert Template → "Webhook"
 * actions). Tactical renders the body template the README gives, with its `{{model.field}}`
 * template variables, once for the failure action and once for the resolved action; `event` tells
 * the two apart. Tactical's alert id is the same in both, so it makes the fingerprint.
 */
export const TacticalRmmPayload = z.object({
  event: z.enum(['trigger', 'resolved']),
  alert_id: z.union([z.string(), z.number()]).transform(String).pipe(z.string().min(1).max(100)),
  alert_type: z.string().max(50).optional(),
  severity: z.string().max(50).optional(),
  message: z.string().max(20_000).optional(),
  alert_time: z.string().max(100).optional(),
  agent_id: z.string().max(200).optional(),
  hostname: z.string().max(255).optional(),
  client: z.string().max(200).optional(),
  site: z.string().max(200).optional(),
  os: z.string().max(300).optional(),
});

/** Tactical's severities are info, warning and error. */
const severities: Record<string, 'info' | 'warning' | 'critical'> = { info: 'info', warning: 'warning', error: 'critical' };

export function mapTacticalRmm(payload: unknown): MappedEvent[] {
  const parsed = TacticalRmmPayload.safeParse(payload);
  if (!parsed.success) throw new UnmappablePayload('not a Tactical RMM alert action body (see the README for the template)', issuesOf(parsed.error));
  const p = parsed.data;
  const fp = fingerprint('tacticalrmm', p.alert_id);
  const machineId = machineIdFrom(p.hostname);
  const occurredAt = isoTime(p.alert_time);
  const source = 'tacticalrmm';
  const at = occurredAt ? { occurredAt } : {};
  if (p.event === 'resolved') {
    const events: MappedEvent[] = [{ type: 'alert.resolved', source, ...at, data: { fingerprint: fp, by: 'source:tacticalrmm' } }];
    // An availability alert that resolves means the agent is back: that is news about the machine.
    if (machineId && p.alert_type === 'availability') {
      events.push({ type: 'machine.checked_in', source, ...at, data: { machineId, signal: 'rmm', via: 'tacticalrmm', hostname: machineId } });
    }
    return events;
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of [['alert_type', p.alert_type], ['client', p.client], ['site', p.site], ['agent_id', p.agent_id]] as const) {
    if (v && !v.includes('{{')) labels[k] = v.slice(0, 500);
  }
  const title = (p.message?.split('\n')[0] ?? '').trim() || `Tactical RMM ${p.alert_type ?? 'alert'}`;
  return [
    {
      type: 'alert.raised',
      source,
      ...at,
      data: {
        fingerprint: fp,
        source: 'tacticalrmm',
        severity: severities[(p.severity ?? '').toLowerCase()] ?? 'warning',
        title: title.slice(0, 500),
        ...(p.message && { details: p.message }),
        labels,
        ...(machineId && { machineId }),
        externalId: p.alert_id,
      },
    },
  ];
}
