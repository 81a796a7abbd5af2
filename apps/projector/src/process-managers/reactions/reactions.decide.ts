import { createHash } from 'node:crypto';
import type { NewEvent } from '@pulse/eventstore';
import {
  defaultOnboardingSteps,
  streamName,
  type KnownRecordedEvent,
  type TicketPriority,
} from '@pulse/events';
import { deterministicUuid } from '../../domain/deterministic-id.ts';

/** A tenant's process-manager settings, defaults filled in. */
export interface ReactionSettings {
  escalationAfterMs: number;
  onboardingIdleMs: number;
  offlineRaisesAlert: boolean;
  slaMinutes: Record<TicketPriority, number>;
  funnelSteps: readonly string[];
}

export const DEFAULT_SLA_MINUTES: Record<TicketPriority, number> = {
  urgent: 60,
  high: 240,
  normal: 1440,
  low: 4320,
};
/** Escalation goes up one level per window while nobody acknowledges, up to this level. */
export const MAX_ESCALATION_LEVEL = 3;
export const AUTOMATION = 'automation';

export type TimerKind = 'alert_escalation' | 'ticket_sla' | 'onboarding_idle';

export interface Timer {
  kind: TimerKind;
  tenant: string;
  key: string;
  dueAt: string;
  stream: string;
  expectedVersion: number;
  payload: Record<string, unknown>;
}

/** What the process manager remembers per alert, ticket and journey (pm_state). */
export interface AlertMemory {
  kind: 'alert';
  state: 'open' | 'acknowledged' | 'resolved';
  openedAt: string;
  /** The open automatic ticket of this fingerprint: one at a time. */
  ticketId: string | null;
}
export interface TicketMemory {
  kind: 'ticket';
  fingerprint: string | null;
  open: boolean;
}
export interface JourneyMemory {
  kind: 'journey';
  accountName: string;
  startTicketOpened: boolean;
  done: boolean;
  lastStep: string;
  lastStepAt: string;
}
export type Memory = AlertMemory | TicketMemory | JourneyMemory;

/**
 * The process manager's working set for a batch: memories and timers of the entities the batch
 * touches, keyed `kind|tenant|key`, plus the events decided so far. `react` changes it in place;
 * it does no I/O and reads no clock (every time comes from an event), so a replay decides the same.
 */
export interface World {
  memory: Map<string, Memory | null>;
  timers: Map<string, Timer | null>;
  outbox: NewEvent[];
}

export const memKey = (kind: Memory['kind'], tenant: string, key: string) => `${kind}|${tenant}|${key}`;
export const timerKey = (kind: TimerKind, tenant: string, key: string) => `${kind}|${tenant}|${key}`;

/** The memories and timers an event may read, so persistence loads them all in one query each. */
export function keysOf(event: KnownRecordedEvent): {
  memory: string[];
  timers: string[];
  ticketIds: string[];
} {
  const t = event.tenant;
  const d = event.data as Record<string, unknown>;
  if (event.type.startsWith('alert.')) {
    const fp = d.fingerprint as string;
    return { memory: [memKey('alert', t, fp)], timers: [timerKey('alert_escalation', t, fp)], ticketIds: [] };
  }
  if (event.type.startsWith('ticket.')) {
    const id = d.ticketId as string;
    const origin = d.origin as { kind: string; fingerprint?: string } | undefined;
    const memory = [memKey('ticket', t, id)];
    if (origin?.kind === 'alert') memory.push(memKey('alert', t, origin.fingerprint!));
    return { memory, timers: [timerKey('ticket_sla', t, id)], ticketIds: [id] };
  }
  if (event.type.startsWith('onboarding.')) {
    const id = d.journeyId as string;
    return {
      memory: [memKey('journey', t, id)],
      timers: [timerKey('onboarding_idle', t, id)],
      ticketIds: [],
    };
  }
  return { memory: [], timers: [], ticketIds: [] };
}

const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

/** An id for a derived entity: readable prefix, then a hash of what caused it (ids are ≤ 128 chars). */
export function derivedId(prefix: string, ...parts: string[]): string {
  return `${prefix}-${createHash('sha1').update(parts.join('|')).digest('hex').slice(0, 16)}`;
}

function derived(
  cause: KnownRecordedEvent,
  type: string,
  stream: string,
  data: Record<string, unknown>,
  name: string,
): NewEvent {
  return {
    id: deterministicUuid(`${type}|${cause.id}|${name}`),
    type,
    tenant: cause.tenant,
    stream,
    occurredAt: cause.occurredAt,
    schemaVersion: 1,
    data,
    metadata: {
      source: 'projector:reactions',
      causationId: cause.id,
      correlationId: cause.metadata?.correlationId ?? cause.id,
    },
  };
}

function openTicket(
  w: World,
  cause: KnownRecordedEvent,
  s: ReactionSettings,
  t: {
    ticketId: string;
    title: string;
    priority: TicketPriority;
    origin: Record<string, unknown>;
    machineId?: string;
  },
): void {
  const data = {
    ticketId: t.ticketId,
    title: t.title.slice(0, 500),
    priority: t.priority,
    origin: t.origin,
    ...(t.machineId !== undefined && { machineId: t.machineId }),
    slaDueAt: plus(cause.occurredAt, s.slaMinutes[t.priority] * 60_000),
    by: AUTOMATION,
  };
  w.outbox.push(
    derived(cause, 'ticket.opened', streamName('ticket', cause.tenant, t.ticketId), data, t.ticketId),
  );
}

function touch(w: World, key: string, version: number): void {
  const timer = w.timers.get(key);
  if (timer) w.timers.set(key, { ...timer, expectedVersion: version });
}

/** The fingerprint of the absence alert of a machine (machine ids may be as long as a fingerprint). */
export function absenceFingerprint(machineId: string): string {
  const fp = `pulse.absence.${machineId}`;
  return fp.length <= 128 ? fp : derivedId('pulse.absence', machineId);
}

/** Applies one event to the world: the timers it sets or clears, the memories it changes, the events it derives. */
export function react(w: World, e: KnownRecordedEvent, s: ReactionSettings): void {
  const t = e.tenant;
  switch (e.type) {
    case 'alert.raised': {
      const d = e.data;
      const key = memKey('alert', t, d.fingerprint);
      const tk = timerKey('alert_escalation', t, d.fingerprint);
      const before = w.memory.get(key) as AlertMemory | null | undefined;
      let mem: AlertMemory;
      if (!before || before.state === 'resolved') {
        // A new episode: escalate if nobody acknowledges it within the window.
        mem = { kind: 'alert', state: 'open', openedAt: e.occurredAt, ticketId: before?.ticketId ?? null };
        w.timers.set(tk, {
          kind: 'alert_escalation',
          tenant: t,
          key: d.fingerprint,
          dueAt: plus(e.occurredAt, s.escalationAfterMs),
          stream: e.stream,
          expectedVersion: e.streamVersion,
          payload: { level: 1, openedAt: e.occurredAt },
        });
      } else {
        mem = before;
        touch(w, tk, e.streamVersion);
      }
      if (d.severity === 'critical' && !mem.ticketId) {
        const ticketId = derivedId('TA', t, d.fingerprint, e.id);
        openTicket(w, e, s, {
          ticketId,
          title: `[critical] ${d.title}`,
          priority: 'urgent',
          origin: { kind: 'alert', fingerprint: d.fingerprint, severity: d.severity },
          ...(d.machineId !== undefined && { machineId: d.machineId }),
        });
        mem = { ...mem, ticketId };
        w.memory.set(memKey('ticket', t, ticketId), {
          kind: 'ticket',
          fingerprint: d.fingerprint,
          open: true,
        });
      }
      w.memory.set(key, mem);
      return;
    }
    case 'alert.acknowledged':
    case 'alert.resolved': {
      const key = memKey('alert', t, e.data.fingerprint);
      const mem = w.memory.get(key) as AlertMemory | null | undefined;
      if (mem && mem.state !== 'resolved') {
        w.memory.set(key, { ...mem, state: e.type === 'alert.resolved' ? 'resolved' : 'acknowledged' });
      }
      w.timers.set(timerKey('alert_escalation', t, e.data.fingerprint), null);
      return;
    }
    case 'alert.escalated': {
      const tk = timerKey('alert_escalation', t, e.data.fingerprint);
      const mem = w.memory.get(memKey('alert', t, e.data.fingerprint)) as AlertMemory | null | undefined;
      if (mem?.state === 'open' && e.data.level < MAX_ESCALATION_LEVEL) {
        w.timers.set(tk, {
          kind: 'alert_escalation',
          tenant: t,
          key: e.data.fingerprint,
          dueAt: plus(e.occurredAt, s.escalationAfterMs),
          stream: e.stream,
          expectedVersion: e.streamVersion,
          payload: { level: e.data.level + 1, openedAt: mem.openedAt },
        });
      } else {
        w.timers.set(tk, null);
      }
      return;
    }
    case 'alert.annotated':
      touch(w, timerKey('alert_escalation', t, e.data.fingerprint), e.streamVersion);
      return;
    case 'ticket.opened': {
      const d = e.data;
      const fp = d.origin.kind === 'alert' ? d.origin.fingerprint : null;
      w.memory.set(memKey('ticket', t, d.ticketId), { kind: 'ticket', fingerprint: fp, open: true });
      if (fp) {
        const mem = w.memory.get(memKey('alert', t, fp)) as AlertMemory | null | undefined;
        if (mem && !mem.ticketId) w.memory.set(memKey('alert', t, fp), { ...mem, ticketId: d.ticketId });
      }
      if (d.slaDueAt) {
        w.timers.set(timerKey('ticket_sla', t, d.ticketId), {
          kind: 'ticket_sla',
          tenant: t,
          key: d.ticketId,
          dueAt: new Date(d.slaDueAt).toISOString(),
          stream: e.stream,
          expectedVersion: e.streamVersion,
          payload: { dueAt: new Date(d.slaDueAt).toISOString() },
        });
      }
      return;
    }
    case 'ticket.resolved': {
      const key = memKey('ticket', t, e.data.ticketId);
      const mem = w.memory.get(key) as TicketMemory | null | undefined;
      if (mem) {
        w.memory.set(key, { ...mem, open: false });
        // The fingerprint may get a new automatic ticket once this one is resolved.
        if (mem.fingerprint) {
          const ak = memKey('alert', t, mem.fingerprint);
          const alert = w.memory.get(ak) as AlertMemory | null | undefined;
          if (alert?.ticketId === e.data.ticketId) w.memory.set(ak, { ...alert, ticketId: null });
        }
      }
      w.timers.set(timerKey('ticket_sla', t, e.data.ticketId), null);
      return;
    }
    case 'ticket.sla_breached':
      w.timers.set(timerKey('ticket_sla', t, e.data.ticketId), null);
      return;
    case 'ticket.assigned':
    case 'ticket.taken_over':
    case 'ticket.released':
    case 'ticket.note_added':
    case 'ticket.escalated':
      touch(w, timerKey('ticket_sla', t, e.data.ticketId), e.streamVersion);
      return;
    case 'onboarding.step_completed': {
      const d = e.data;
      const key = memKey('journey', t, d.journeyId);
      const tk = timerKey('onboarding_idle', t, d.journeyId);
      const steps = s.funnelSteps.length ? s.funnelSteps : defaultOnboardingSteps;
      const before = w.memory.get(key) as JourneyMemory | null | undefined;
      const latest = !before || Date.parse(e.occurredAt) >= Date.parse(before.lastStepAt);
      let mem: JourneyMemory = {
        kind: 'journey',
        accountName: d.account.name,
        startTicketOpened: before?.startTicketOpened ?? false,
        done: (before?.done ?? false) || d.step === steps[steps.length - 1],
        lastStep: latest ? d.step : before.lastStep,
        lastStepAt: latest ? e.occurredAt : before.lastStepAt,
      };
      if (d.step === steps[0] && !mem.startTicketOpened) {
        openTicket(w, e, s, {
          ticketId: derivedId('TJ', t, d.journeyId, 'started'),
          title: `Onboarding started: ${d.account.name}`,
          priority: 'normal',
          origin: { kind: 'onboarding', journeyId: d.journeyId, reason: 'started' },
        });
        mem = { ...mem, startTicketOpened: true };
      }
      w.memory.set(key, mem);
      if (mem.done) {
        w.timers.set(tk, null);
      } else {
        w.timers.set(tk, {
          kind: 'onboarding_idle',
          tenant: t,
          key: d.journeyId,
          dueAt: plus(mem.lastStepAt, s.onboardingIdleMs),
          stream: e.stream,
          expectedVersion: e.streamVersion,
          payload: { lastStep: mem.lastStep, lastStepAt: mem.lastStepAt },
        });
      }
      return;
    }
    case 'onboarding.abandoned': {
      const d = e.data;
      w.timers.set(timerKey('onboarding_idle', t, d.journeyId), null);
      const mem = w.memory.get(memKey('journey', t, d.journeyId)) as JourneyMemory | null | undefined;
      if (mem?.done) return;
      openTicket(w, e, s, {
        ticketId: derivedId('TJ', t, d.journeyId, 'abandoned', e.id),
        title: `Onboarding abandoned at ${d.lastStep}: ${mem?.accountName ?? d.journeyId}`,
        priority: 'high',
        origin: { kind: 'onboarding', journeyId: d.journeyId, reason: 'abandoned' },
      });
      return;
    }
    case 'machine.status_changed': {
      const d = e.data;
      const alerting = (status: string) =>
        status === 'overdue' || (status === 'offline' && s.offlineRaisesAlert);
      const fingerprint = absenceFingerprint(d.machineId);
      const stream = streamName('alert', t, fingerprint);
      if (alerting(d.to) && !alerting(d.from)) {
        w.outbox.push(
          derived(
            e,
            'alert.raised',
            stream,
            {
              fingerprint,
              source: 'pulse',
              severity: 'warning',
              title: `${d.machineId} is ${d.to}: not heard from since ${d.lastSeenAt}`,
              machineId: d.machineId,
              labels: { status: d.to },
            },
            fingerprint,
          ),
        );
      } else if (alerting(d.from) && !alerting(d.to)) {
        w.outbox.push(
          derived(
            e,
            'alert.resolved',
            stream,
            { fingerprint, by: AUTOMATION, reason: `back ${d.to}` },
            fingerprint,
          ),
        );
      }
      return;
    }
    default:
      return;
  }
}

/** The event a due timer stands for, appended expecting the version the timer was set at. */
export function fire(timer: Timer): { stream: string; expectedVersion: number; event: NewEvent } {
  const base = {
    tenant: timer.tenant,
    stream: timer.stream,
    // The fact became true at the due time, not when the loop noticed it (invariant 7).
    occurredAt: timer.dueAt,
    schemaVersion: 1,
    metadata: { source: `projector:${timer.kind}` },
  };
  const id = deterministicUuid(
    `timer|${timer.kind}|${timer.stream}|${timer.expectedVersion}|${JSON.stringify(timer.payload)}`,
  );
  switch (timer.kind) {
    case 'alert_escalation': {
      const level = Number(timer.payload.level ?? 1);
      const since = String(timer.payload.openedAt ?? timer.dueAt);
      const minutes = Math.round((Date.parse(timer.dueAt) - Date.parse(since)) / 60_000);
      return {
        stream: timer.stream,
        expectedVersion: timer.expectedVersion,
        event: {
          ...base,
          id,
          type: 'alert.escalated',
          data: {
            fingerprint: timer.key,
            level,
            reason: `unacknowledged for ${minutes} minutes`,
            unacknowledgedSince: since,
          },
        },
      };
    }
    case 'ticket_sla':
      return {
        stream: timer.stream,
        expectedVersion: timer.expectedVersion,
        event: {
          ...base,
          id,
          type: 'ticket.sla_breached',
          data: { ticketId: timer.key, dueAt: timer.dueAt },
        },
      };
    case 'onboarding_idle': {
      const lastStepAt = String(timer.payload.lastStepAt);
      return {
        stream: timer.stream,
        expectedVersion: timer.expectedVersion,
        event: {
          ...base,
          id,
          type: 'onboarding.abandoned',
          data: {
            journeyId: timer.key,
            lastStep: String(timer.payload.lastStep),
            idleS: Math.max(0, Math.round((Date.parse(timer.dueAt) - Date.parse(lastStepAt)) / 1000)),
          },
        },
      };
    }
  }
}
