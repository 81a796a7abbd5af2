import { z } from 'zod';
import { fingerprint, isoTime, issuesOf, machineIdFrom, UnmappablePayload, type MappedEvent } from './mapped-event.ts';

/**
 * A Wazuh alert as the manager's integrator hands it to a custom integration (`custom-pulse` in
 * ossec.conf `<integration>`, whose script POSTs the alert JSON as is): rule, agent, full_log.
 */
export const WazuhAlert = z.object({
  id: z.string().max(100).optional(),
  timestamp: z.string().max(100).optional(),
  rule: z.object({
    id: z.union([z.string(), z.number()]).transform(String),
    level: z.number().int().min(0).max(16),
    description: z.string().max(2000),
    groups: z.array(z.string().max(200)).max(50).optional(),
  }),
  agent: z.object({ id: z.string().max(50), name: z.string().max(255).optional(), ip: z.string().max(64).optional() }).optional(),
  manager: z.object({ name: z.string().max(255).optional() }).optional(),
  full_log: z.string().max(20_000).optional(),
  location: z.string().max(1000).optional(),
});

/** Wazuh levels run 0–16: 12 and up are high-importance events, 7 and up worth a look. */
export function severityOf(level: number): 'info' | 'warning' | 'critical' {
  return level >= 12 ? 'critical' : level >= 7 ? 'warning' : 'info';
}

export function mapWazuh(payload: unknown): MappedEvent[] {
  const parsed = WazuhAlert.safeParse(payload);
  if (!parsed.success) throw new UnmappablePayload('not a Wazuh alert', issuesOf(parsed.error));
  const a = parsed.data;
  // Agent 000 is the manager itself.
  const agentId = a.agent?.id ?? '000';
  const machineId = machineIdFrom(a.agent?.name);
  const occurredAt = isoTime(a.timestamp);
  const labels: Record<string, string> = { rule: a.rule.id, level: String(a.rule.level), agent: agentId };
  if (a.rule.groups?.length) labels.groups = a.rule.groups.join(',').slice(0, 500);
  if (a.location) labels.location = a.location.slice(0, 500);
  return [
    {
      type: 'alert.raised',
      source: 'wazuh',
      ...(occurredAt && { occurredAt }),
      data: {
        fingerprint: fingerprint('wazuh', a.rule.id, agentId),
        source: 'wazuh',
        severity: severityOf(a.rule.level),
        title: a.rule.description.slice(0, 500),
        ...(a.full_log && { details: a.full_log }),
        labels,
        ...(machineId && { machineId }),
        ...(a.id && { externalId: a.id }),
      },
    },
  ];
}
