import { createHash } from 'node:crypto';
import { catalog, defaultOnboardingSteps, isEventType, streamName } from '@pulse/events';
import type { NewEvent } from '@pulse/eventstore';

/**
 * A deterministic day of mixed Pulse traffic (the same seed, the same events, the same ids):
 * machines that register, heartbeat, get RMM check-ins, report inventory, go quiet and come back,
 * get decommissioned; alerts raised, repeated, acknowledged, resolved, flapping, for unknown
 * machines too; onboarding journeys that progress, stall and get abandoned; telemetry batches;
 * tickets worked by technicians. Used by the replay and rebuild tests and by the bench.
 */
export interface DayOptions {
  seed?: number;
  tenants?: string[];
  machinesPerTenant?: number;
  /** Heartbeat interval in seconds. */
  heartbeatS?: number;
  hours?: number;
  alertsPerHour?: number;
  journeysPerHour?: number;
  /** Share of machines sending a telemetry batch each minute. */
  telemetryShare?: number;
  ticketsPerHour?: number;
  start?: string;
}

export function simulatedDay(o: DayOptions = {}): NewEvent[] {
  const seed = o.seed ?? 1;
  const tenants = o.tenants ?? ['acme', 'zeta'];
  const machines = o.machinesPerTenant ?? 20;
  const heartbeatS = o.heartbeatS ?? 300;
  const hours = o.hours ?? 24;
  const start = Date.parse(o.start ?? '2026-11-24T00:00:00.000Z');
  const rand = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const out: { t: number; n: number; e: Omit<NewEvent, 'id'> }[] = [];
  let n = 0;
  const push = (
    t: number,
    tenant: string,
    category: string,
    id: string,
    type: string,
    data: Record<string, unknown>,
  ) =>
    out.push({
      t,
      n: n++,
      e: {
        type,
        tenant,
        stream: streamName(category, tenant, id),
        occurredAt: new Date(t).toISOString(),
        schemaVersion: isEventType(type) ? catalog[type].version : 1,
        data,
      },
    });
  const minutes = hours * 60;

  for (const tenant of tenants) {
    const ids = Array.from({ length: machines }, (_, i) => `m-${String(i).padStart(4, '0')}`);
    // Machines: enrolment, inventory, heartbeats with gaps, RMM check-ins, one decommissioned.
    for (const [i, m] of ids.entries()) {
      const enrolled = start + Math.floor(rand() * 600_000);
      push(enrolled, tenant, 'machine', m, 'machine.registered', {
        machineId: m,
        hostname: `${m}.${tenant}.example.net`,
        os: pick(['Debian 12', 'Windows Server 2022', 'Ubuntu 24.04']),
        agentVersion: '1.0.0',
        customer: `Customer ${i % 4}`,
        site: `Site ${i % 2}`,
        tags: i % 3 === 0 ? ['web'] : [],
      });
      push(enrolled + 1000, tenant, 'machine', m, 'machine.inventory_reported', {
        machineId: m,
        hardware: { vendor: 'Dell Inc.', model: 'R650', cpuCores: 8 + (i % 4) * 8, memBytes: 68_719_476_736 },
        os: { name: 'Debian', version: '12.7' },
        software: Array.from({ length: 5 + (i % 5) }, (_, k) => ({ name: `pkg-${k}`, version: `1.${k}` })),
      });
      // A quiet spell for some machines: no heartbeats for two hours (the RMM still sees them).
      const quietFrom = i % 5 === 0 ? start + Math.floor(rand() * (hours - 3)) * 3_600_000 : Infinity;
      for (let t = enrolled + 5000; t < start + minutes * 60_000; t += heartbeatS * 1000) {
        if (t >= quietFrom && t < quietFrom + 7_200_000) continue;
        push(t + Math.floor(rand() * 2000), tenant, 'machine', m, 'machine.heartbeat', {
          machineId: m,
          hostname: `${m}.${tenant}.example.net`,
          os: 'Debian 12',
          cpuPct: Math.round(rand() * 1000) / 10,
          memPct: Math.round(rand() * 1000) / 10,
          diskPct: Math.round(rand() * 1000) / 10,
          uptimeS: Math.floor((t - enrolled) / 1000),
          agentVersion: '1.0.0',
          load1: Math.round(rand() * 400) / 100,
        });
      }
      for (let t = enrolled + 60_000; t < start + minutes * 60_000; t += 15 * 60_000) {
        push(t, tenant, 'machine', m, 'machine.checked_in', {
          machineId: m,
          signal: 'rmm',
          via: 'tacticalrmm',
        });
      }
      if (i === machines - 1) {
        push(start + (minutes - 30) * 60_000, tenant, 'machine', m, 'machine.decommissioned', {
          machineId: m,
          reason: 'replaced',
          by: 'user:ana',
        });
      }
    }
    // Telemetry: each minute, a share of machines sends a batch of three metrics.
    const share = o.telemetryShare ?? 0.1;
    for (let minute = 0; minute < minutes; minute++) {
      for (const m of ids) {
        if (rand() >= share) continue;
        const t = start + minute * 60_000 + Math.floor(rand() * 60_000);
        push(t, tenant, 'telemetry', m, 'telemetry.sampled', {
          machineId: m,
          points: ['http_requests_per_s', 'latency_ms', 'queue_depth'].map((metric) => ({
            metric,
            value: Math.round(rand() * 100_000) / 100,
            at: new Date(t).toISOString(),
          })),
        });
      }
    }
    // Alerts: a pool of fingerprints so repeats deduplicate; a life of ack/resolve; one flapper.
    const alertsPerHour = o.alertsPerHour ?? 6;
    for (let k = 0; k < alertsPerHour * hours; k++) {
      const t = start + Math.floor(rand() * minutes * 60_000);
      const machine = rand() < 0.1 ? undefined : pick(ids);
      const fingerprint = `wazuh.${Math.floor(rand() * 40)}.${machine ?? 'unknown-host'}`;
      const severity = pick(['info', 'warning', 'warning', 'critical'] as const);
      push(t, tenant, 'alert', fingerprint, 'alert.raised', {
        fingerprint,
        source: pick(['wazuh', 'tacticalrmm', 'fleet']),
        severity,
        title: `rule fired on ${machine ?? 'an unknown host'}`,
        ...(machine !== undefined && { machineId: machine }),
        labels: { rule: String(k % 40) },
      });
      if (rand() < 0.6)
        push(t + 120_000 + Math.floor(rand() * 600_000), tenant, 'alert', fingerprint, 'alert.acknowledged', {
          fingerprint,
          by: 'user:ana',
        });
      if (rand() < 0.5)
        push(t + 1_200_000 + Math.floor(rand() * 1_800_000), tenant, 'alert', fingerprint, 'alert.resolved', {
          fingerprint,
          by: 'source:wazuh',
        });
      if (rand() < 0.2)
        push(t + 900_000, tenant, 'alert', fingerprint, 'alert.escalated', {
          fingerprint,
          level: 1,
          reason: 'unacknowledged',
        });
      if (rand() < 0.2)
        push(t + 300_000, tenant, 'alert', fingerprint, 'alert.annotated', {
          fingerprint,
          by: 'user:bo',
          note: 'looking',
        });
    }
    const flapper = 'tacticalrmm.ping.flappy';
    for (let k = 0; k < 6; k++) {
      const t = start + 3_600_000 + k * 300_000;
      push(t, tenant, 'alert', flapper, 'alert.raised', {
        fingerprint: flapper,
        source: 'tacticalrmm',
        severity: 'warning',
        title: 'ping lost',
      });
      push(t + 60_000, tenant, 'alert', flapper, 'alert.resolved', {
        fingerprint: flapper,
        by: 'source:tacticalrmm',
      });
    }
    // Onboarding journeys: each advances step by step, some stall and are abandoned.
    const journeysPerHour = o.journeysPerHour ?? 4;
    for (let k = 0; k < journeysPerHour * hours; k++) {
      const journeyId = `j-${seed}-${k}`;
      const account = { id: `acc-${k}`, name: `Account ${k}` };
      let t = start + Math.floor(rand() * minutes * 60_000);
      const reach = 1 + Math.floor(rand() * defaultOnboardingSteps.length);
      for (const step of defaultOnboardingSteps.slice(0, reach)) {
        push(t, tenant, 'journey', journeyId, 'onboarding.step_completed', { journeyId, account, step });
        t += 60_000 + Math.floor(rand() * 3_600_000);
      }
      if (reach < defaultOnboardingSteps.length && rand() < 0.5) {
        push(t + 3_600_000, tenant, 'journey', journeyId, 'onboarding.abandoned', {
          journeyId,
          lastStep: defaultOnboardingSteps[reach - 1],
          idleS: 3600,
        });
      }
    }
    // Tickets worked by people.
    const ticketsPerHour = o.ticketsPerHour ?? 2;
    for (let k = 0; k < ticketsPerHour * hours; k++) {
      const ticketId = `T-${seed}-${k}`;
      let t = start + Math.floor(rand() * minutes * 60_000);
      push(t, tenant, 'ticket', ticketId, 'ticket.opened', {
        ticketId,
        title: `Request ${k}`,
        priority: pick(['low', 'normal', 'high', 'urgent'] as const),
        origin: { kind: 'manual' },
        slaDueAt: new Date(t + 3_600_000).toISOString(),
        by: 'user:lead',
      });
      t += 60_000;
      push(t, tenant, 'ticket', ticketId, 'ticket.taken_over', {
        ticketId,
        from: 'user:lead',
        to: pick(['user:ana', 'user:bo']),
      });
      push((t += 60_000), tenant, 'ticket', ticketId, 'ticket.note_added', {
        ticketId,
        by: 'user:ana',
        note: `note ${k}`,
      });
      if (rand() < 0.3)
        push(t + 3_600_000, tenant, 'ticket', ticketId, 'ticket.sla_breached', {
          ticketId,
          dueAt: new Date(t + 3_480_000).toISOString(),
        });
      if (rand() < 0.6)
        push(t + 1_800_000, tenant, 'ticket', ticketId, 'ticket.resolved', {
          ticketId,
          by: 'user:ana',
          resolution: 'done',
        });
    }
  }
  out.sort((a, b) => a.t - b.t || a.n - b.n);
  return out.map(({ e }, i) => ({ ...e, id: uuidFrom(`${seed}|${i}|${e.stream}|${e.type}`) }));
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

function uuidFrom(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
