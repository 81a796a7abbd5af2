import type { z } from 'zod';
import {
  MachineCheckedIn, MachineDecommissioned, MachineHeartbeat, MachineHeartbeatV1, MachineInventoryReported,
  MachineRegistered, MachineStatusChanged, MachineTokenRotated,
} from './machine.events.ts';
import { AlertAcknowledged, AlertAnnotated, AlertEscalated, AlertRaised, AlertResolved } from './alert.events.ts';
import { OnboardingAbandoned, OnboardingStepCompleted } from './onboarding.events.ts';
import { TelemetrySampled } from './telemetry.events.ts';
import {
  TicketAssigned, TicketEscalated, TicketNoteAdded, TicketOpened, TicketReleased, TicketResolved, TicketSlaBreached,
  TicketTakenOver,
} from './ticket.events.ts';
import { streamName } from './names.ts';

export interface EventDefinition<S extends z.ZodType = z.ZodType> {
  description: string;
  /** The current schema version; `data` validates this version. */
  version: number;
  data: S;
  /** The stream an event belongs to follows from its tenant and data; clients never name it. */
  stream: (tenant: string, data: z.infer<S>) => string;
  /** upcasters[n] turns version n data into version n + 1 data. */
  upcasters?: Record<number, (data: Record<string, unknown>) => Record<string, unknown>>;
  /** The schemas of older versions, for documentation (JSON Schema export). */
  previous?: Record<number, z.ZodType>;
  example: z.input<S>;
}

function define<S extends z.ZodType>(def: EventDefinition<S>): EventDefinition<S> {
  return def;
}

const machineStream = (tenant: string, d: { machineId: string }) => streamName('machine', tenant, d.machineId);
const alertStream = (tenant: string, d: { fingerprint: string }) => streamName('alert', tenant, d.fingerprint);
const journeyStream = (tenant: string, d: { journeyId: string }) => streamName('journey', tenant, d.journeyId);
const ticketStream = (tenant: string, d: { ticketId: string }) => streamName('ticket', tenant, d.ticketId);

const heartbeatExample = {
  machineId: 'web-01', hostname: 'web-01', os: 'Debian 12', cpuPct: 21.5, memPct: 43, diskPct: 61.2, uptimeS: 86400, agentVersion: '1.0.0', load1: 0.42,
};

export const catalog = {
  'machine.registered': define({
    description: 'A machine was enrolled (agent install, RMM sync or manual).',
    version: 1,
    data: MachineRegistered,
    stream: machineStream,
    example: { machineId: 'web-01', hostname: 'web-01', os: 'Debian 12', agentVersion: '1.0.0', customer: 'Acme Corp', site: 'HQ' },
  }),
  'machine.heartbeat': define({
    description: "A machine's agent checked in with its current vital signs.",
    version: 2,
    data: MachineHeartbeat,
    stream: machineStream,
    previous: { 1: MachineHeartbeatV1 },
    upcasters: {
      1: ({ load, ...rest }) => (load === undefined ? rest : { ...rest, load1: load }),
    },
    example: heartbeatExample,
  }),
  'machine.checked_in': define({
    description: 'Something other than the agent (an RMM, MDM or SIEM) reported the machine alive.',
    version: 1,
    data: MachineCheckedIn,
    stream: machineStream,
    example: { machineId: 'web-01', signal: 'rmm', via: 'tacticalrmm', hostname: 'web-01' },
  }),
  'machine.inventory_reported': define({
    description: "A machine's hardware, OS and installed software, as its agent or an MDM reports it.",
    version: 1,
    data: MachineInventoryReported,
    stream: machineStream,
    example: {
      machineId: 'web-01',
      hardware: { vendor: 'Dell Inc.', model: 'PowerEdge R650', cpuCores: 16, memBytes: 68719476736 },
      os: { name: 'Debian', version: '12.7', kernel: '6.1.0-26-amd64' },
      software: [{ name: 'nginx', version: '1.22.1' }],
    },
  }),
  'machine.token_rotated': define({
    description: "A machine's ingest token was replaced; the old one stops working.",
    version: 1,
    data: MachineTokenRotated,
    stream: machineStream,
    example: { machineId: 'web-01', tokenId: 'tok_9f2c', expiresAt: '2027-02-23T12:00:00.000Z' },
  }),
  'machine.decommissioned': define({
    description: 'A machine was retired; it leaves the fleet and its alerts stop counting.',
    version: 1,
    data: MachineDecommissioned,
    stream: machineStream,
    example: { machineId: 'web-01', reason: 'hardware replaced', by: 'user:ana' },
  }),
  'machine.status_changed': define({
    description: 'A machine went online, offline or overdue (derived by the heartbeat-absence process manager).',
    version: 1,
    data: MachineStatusChanged,
    stream: machineStream,
    example: { machineId: 'web-01', from: 'online', to: 'offline', lastSeenAt: '2026-11-25T12:00:00.000Z' },
  }),
  'alert.raised': define({
    description: 'A source raised an alert; a repeat with the same fingerprint is the same alert seen again.',
    version: 1,
    data: AlertRaised,
    stream: alertStream,
    example: {
      fingerprint: 'wazuh.5710.001', source: 'wazuh', severity: 'warning', title: 'sshd: attempt to login using a non-existent user',
      machineId: 'web-01', labels: { rule: '5710', group: 'authentication_failed' },
    },
  }),
  'alert.acknowledged': define({
    description: 'Someone took note of an alert; escalation stops.',
    version: 1,
    data: AlertAcknowledged,
    stream: alertStream,
    example: { fingerprint: 'wazuh.5710.001', by: 'user:ana', comment: 'looking into it' },
  }),
  'alert.resolved': define({
    description: 'An alert ended: its source cleared it or someone resolved it.',
    version: 1,
    data: AlertResolved,
    stream: alertStream,
    example: { fingerprint: 'wazuh.5710.001', by: 'source:wazuh' },
  }),
  'alert.escalated': define({
    description: 'An alert stayed unacknowledged past the escalation window (derived by a process manager).',
    version: 1,
    data: AlertEscalated,
    stream: alertStream,
    example: { fingerprint: 'wazuh.5710.001', level: 1, reason: 'unacknowledged for 15 minutes' },
  }),
  'alert.annotated': define({
    description: 'Someone added a note to an alert.',
    version: 1,
    data: AlertAnnotated,
    stream: alertStream,
    example: { fingerprint: 'wazuh.5710.001', by: 'user:ana', note: 'known scanner, blocked at the firewall' },
  }),
  'onboarding.step_completed': define({
    description: "A customer's onboarding journey reached a step of the tenant's funnel.",
    version: 1,
    data: OnboardingStepCompleted,
    stream: journeyStream,
    example: { journeyId: 'j-1042', account: { id: 'acc-77', name: 'Globex Ltd' }, step: 'domain_configured' },
  }),
  'onboarding.abandoned': define({
    description: 'A journey stayed idle past the abandonment window (derived by a process manager).',
    version: 1,
    data: OnboardingAbandoned,
    stream: journeyStream,
    example: { journeyId: 'j-1042', lastStep: 'domain_configured', idleS: 259200 },
  }),
  'telemetry.sampled': define({
    description: 'A batch of metric samples from one machine or source.',
    version: 1,
    data: TelemetrySampled,
    stream: (tenant, d) => streamName('telemetry', tenant, d.machineId ?? d.source!),
    example: { machineId: 'web-01', points: [{ metric: 'http_requests_per_s', value: 412, unit: '1/s', at: '2026-11-25T12:00:00.000Z' }] },
  }),
  'ticket.opened': define({
    description: 'A ticket was opened, by a person or automatically (critical alert, onboarding).',
    version: 1,
    data: TicketOpened,
    stream: ticketStream,
    example: {
      ticketId: 'T-1001', title: 'web-01 unreachable', priority: 'urgent', by: 'automation',
      origin: { kind: 'alert', fingerprint: 'tacticalrmm.web-01.ping', severity: 'critical' }, machineId: 'web-01', slaDueAt: '2026-11-25T13:00:00.000Z',
    },
  }),
  'ticket.assigned': define({ description: 'A ticket was assigned to someone.', version: 1, data: TicketAssigned, stream: ticketStream, example: { ticketId: 'T-1001', to: 'user:ana', by: 'user:lead' } }),
  'ticket.taken_over': define({
    description: 'A technician took a ticket over from the automation or a colleague.',
    version: 1, data: TicketTakenOver, stream: ticketStream, example: { ticketId: 'T-1001', from: 'automation', to: 'user:ana' },
  }),
  'ticket.released': define({ description: 'The owner gave a ticket back.', version: 1, data: TicketReleased, stream: ticketStream, example: { ticketId: 'T-1001', by: 'user:ana' } }),
  'ticket.note_added': define({ description: "A note was added to a ticket's timeline.", version: 1, data: TicketNoteAdded, stream: ticketStream, example: { ticketId: 'T-1001', by: 'user:ana', note: 'rebooted, watching' } }),
  'ticket.escalated': define({ description: 'A ticket was escalated.', version: 1, data: TicketEscalated, stream: ticketStream, example: { ticketId: 'T-1001', by: 'user:ana', to: 'user:lead', reason: 'needs vendor support' } }),
  'ticket.resolved': define({ description: 'A ticket was resolved.', version: 1, data: TicketResolved, stream: ticketStream, example: { ticketId: 'T-1001', by: 'user:ana', resolution: 'disk replaced' } }),
  'ticket.sla_breached': define({
    description: 'A ticket passed its SLA due time unresolved (derived by the SLA process manager).',
    version: 1, data: TicketSlaBreached, stream: ticketStream, example: { ticketId: 'T-1001', dueAt: '2026-11-25T13:00:00.000Z' },
  }),
};

export type EventType = keyof typeof catalog;
export type EventData<T extends EventType> = z.infer<(typeof catalog)[T]['data']>;
export const eventTypes = Object.keys(catalog) as EventType[];

export function isEventType(type: string): type is EventType {
  return Object.hasOwn(catalog, type);
}

export class UnsupportedSchemaVersion extends Error {
  override name = 'UnsupportedSchemaVersion';
}

/**
 * Brings data of an older schema version up to the current one, one step at a time. Stored events
 * keep the version they were written with; readers upcast on the way in.
 */
export function upcast(type: EventType, version: number, data: Record<string, unknown>): Record<string, unknown> {
  const def: EventDefinition = catalog[type];
  if (version > def.version) throw new UnsupportedSchemaVersion(`${type} has no schemaVersion ${version} (current is ${def.version})`);
  let out = data;
  for (let v = version; v < def.version; v++) {
    const step = def.upcasters?.[v];
    if (!step) throw new UnsupportedSchemaVersion(`${type} cannot be upcast from schemaVersion ${v}`);
    out = step(out);
  }
  return out;
}
