import { z } from 'zod';
import { fingerprint, isoTime, issuesOf, machineIdFrom, UnmappablePayload, type MappedEvent } from './mapped-event.ts';

/** Fleet's failing-policies automation: one policy and the hosts that newly fail it. */
const FailingPolicy = z.object({
  timestamp: z.string().max(100).optional(),
  policy: z.object({
    id: z.number().int(),
    name: z.string().max(1000),
    description: z.string().max(5000).optional(),
    resolution: z.string().max(5000).optional(),
    critical: z.boolean().optional(),
    failing_host_count: z.number().int().optional(),
  }),
  hosts: z
    .array(z.object({ id: z.number().int(), hostname: z.string().max(255), display_name: z.string().max(255).optional(), url: z.string().max(2000).optional() }))
    .max(100_000),
});

/** Fleet's host-status automation: hosts that have not checked in for `days_unseen` days. */
const HostStatus = z.object({
  text: z.string().max(5000),
  data: z.object({
    unseen_hosts: z.number().int(),
    total_hosts: z.number().int(),
    days_unseen: z.number().int(),
    host_ids: z.array(z.number().int()).max(100_000).optional(),
  }),
});

export function mapFleet(payload: unknown): MappedEvent[] {
  const source = 'fleet';
  const policy = FailingPolicy.safeParse(payload);
  if (policy.success) {
    const p = policy.data;
    const occurredAt = isoTime(p.timestamp);
    const at = occurredAt ? { occurredAt } : {};
    return p.hosts.flatMap((h): MappedEvent[] => {
      const machineId = machineIdFrom(h.hostname);
      const url = h.url && /^https?:\/\//.test(h.url) ? { url: h.url } : {};
      const alert: MappedEvent = {
        type: 'alert.raised',
        source,
        ...at,
        data: {
          fingerprint: fingerprint('fleet', 'policy', p.policy.id, 'host', h.id),
          source: 'fleet',
          severity: p.policy.critical ? 'critical' : 'warning',
          title: `Policy failing: ${p.policy.name}`.slice(0, 500),
          ...((p.policy.description || p.policy.resolution) && {
            details: [p.policy.description, p.policy.resolution && `Resolution: ${p.policy.resolution}`].filter(Boolean).join('\n\n'),
          }),
          labels: { policy: String(p.policy.id), host: String(h.id) },
          ...(machineId && { machineId }),
          externalId: `${p.policy.id}:${h.id}`,
          ...url,
        },
      };
      // Fleet only reports a failing policy from a host that answered the query: it checked in.
      const seen: MappedEvent[] = machineId
        ? [{ type: 'machine.checked_in', source, ...at, data: { machineId, signal: 'mdm', via: 'fleet', hostname: h.hostname } }]
        : [];
      return [alert, ...seen];
    });
  }
  const status = HostStatus.safeParse(payload);
  if (status.success) {
    const d = status.data.data;
    return [
      {
        type: 'alert.raised',
        source,
        data: {
          fingerprint: fingerprint('fleet', 'hosts-unseen', d.days_unseen),
          source: 'fleet',
          severity: 'warning',
          title: `${d.unseen_hosts} of ${d.total_hosts} hosts have not checked in for ${d.days_unseen} days`.slice(0, 500),
          details: [status.data.text, d.host_ids?.length ? `Fleet host ids: ${d.host_ids.join(', ')}` : ''].filter(Boolean).join('\n\n').slice(0, 20_000),
          labels: { unseen: String(d.unseen_hosts), total: String(d.total_hosts) },
        },
      },
    ];
  }
  throw new UnmappablePayload('neither a Fleet failing-policies nor a host-status webhook body', [
    ...issuesOf(policy.error).map((i) => ({ ...i, path: `failing_policies.${i.path}` })),
    ...issuesOf(status.error).map((i) => ({ ...i, path: `host_status.${i.path}` })),
  ].slice(0, 20));
}
