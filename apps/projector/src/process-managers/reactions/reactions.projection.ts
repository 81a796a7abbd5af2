import type { Sql, TransactionSql } from 'postgres';
import type { NewEvent } from '@pulse/eventstore';
import { defaultOnboardingSteps, type KnownRecordedEvent, type TicketPriority } from '@pulse/events';
import { typesStartingWith, type Projection } from '../../projections/projection.ts';
import {
  DEFAULT_SLA_MINUTES,
  keysOf,
  memKey,
  react,
  type Memory,
  type ReactionSettings,
  type Timer,
  type TimerKind,
  type World,
} from './reactions.decide.ts';

export const REACTIONS = 'pm:reactions';

type Db = Sql | TransactionSql;

export interface ReactionDefaults {
  escalationAfterMs: number;
  onboardingIdleMs: number;
}

/**
 * The reactions process manager, run like a projection (its own checkpoint, one transaction per
 * batch): it keeps its memory and timers in PostgreSQL and writes the events it derives to the
 * outbox in the same transaction as its checkpoint; the outbox dispatcher appends them after the
 * commit. A crash anywhere repeats at most an append whose id is already stored.
 */
export function reactionsProjection(defaults: ReactionDefaults, onCommitted: () => void): Projection<never> {
  return {
    name: REACTIONS,
    tables: {},
    // What react() decides on: its runner leaves the rest (heartbeats, telemetry: most of the log) unchecked.
    eventTypes: [
      ...typesStartingWith('alert.'),
      ...typesStartingWith('ticket.'),
      ...typesStartingWith('onboarding.'),
      'machine.status_changed',
    ],
    async apply(tx, batch) {
      const events = batch.events.filter(
        (e) => keysOf(e).memory.length > 0 || e.type === 'machine.status_changed',
      );
      if (events.length === 0) return [];
      // pm_state and pm_timers grow from nothing: a generic plan made while they were small kept
      // hash-joining over a full scan of them. Plan this transaction's statements for what they meet.
      await tx`SET LOCAL plan_cache_mode = force_custom_plan`;
      const settings = await loadReactionSettings(tx, [...new Set(events.map((e) => e.tenant))], defaults);
      const { world, stored } = await loadWorld(tx, events);
      for (const e of events) react(world, e, settings.get(e.tenant)!);
      await saveWorld(tx, world, stored);
      if (world.outbox.length > 0) await insertOutbox(tx, world.outbox);
      return [];
    },
    // The outbox is appended once the batch committed: the runner calls this afterwards, never before.
    afterCommit: onCommitted,
  };
}

export async function loadReactionSettings(
  tx: Db,
  tenants: string[],
  defaults: ReactionDefaults,
): Promise<Map<string, ReactionSettings>> {
  const rows = await tx<
    {
      tenant: string;
      escalation_after_s: number | null;
      onboarding_idle_s: number | null;
      offline_raises_alert: boolean;
      sla_minutes: Partial<Record<TicketPriority, number>> | null;
      funnel_steps: string[] | null;
    }[]
  >`SELECT tenant, escalation_after_s, onboarding_idle_s, offline_raises_alert, sla_minutes, funnel_steps
    FROM projector_tenant_settings WHERE tenant = ANY(${tenants}::text[])`;
  const byTenant = new Map(rows.map((r) => [r.tenant, r]));
  return new Map(
    tenants.map((t) => {
      const r = byTenant.get(t);
      return [
        t,
        {
          escalationAfterMs: r?.escalation_after_s ? r.escalation_after_s * 1000 : defaults.escalationAfterMs,
          onboardingIdleMs: r?.onboarding_idle_s ? r.onboarding_idle_s * 1000 : defaults.onboardingIdleMs,
          offlineRaisesAlert: r?.offline_raises_alert ?? false,
          slaMinutes: { ...DEFAULT_SLA_MINUTES, ...(r?.sla_minutes ?? {}) },
          funnelSteps: r?.funnel_steps?.length ? r.funnel_steps : defaultOnboardingSteps,
        },
      ];
    }),
  );
}

const split = (k: string) => {
  const [kind, tenant, ...rest] = k.split('|');
  return { kind: kind!, tenant: tenant!, key: rest.join('|') };
};

/**
 * What pm_state and pm_timers held, by key, for every key the batch looked up (undefined: no row).
 * react() replaces what it changes and never edits a memory or timer in place, so an entry still
 * the one loaded is unchanged and need not be written again.
 */
interface Stored {
  memory: Map<string, Memory | undefined>;
  timers: Map<string, Timer | undefined>;
}

async function loadWorld(tx: Db, events: KnownRecordedEvent[]): Promise<{ world: World; stored: Stored }> {
  const memoryKeys = new Set<string>();
  const timerKeys = new Set<string>();
  for (const e of events) {
    const k = keysOf(e);
    k.memory.forEach((m) => memoryKeys.add(m));
    k.timers.forEach((t) => timerKeys.add(t));
  }
  const memory = await loadMemory(tx, [...memoryKeys]);
  // A resolved ticket frees its alert's fingerprint: load those alerts too.
  const more = [...memory]
    .flatMap(([k, m]) =>
      m?.kind === 'ticket' && m.fingerprint ? [memKey('alert', split(k).tenant, m.fingerprint)] : [],
    )
    .filter((k) => !memory.has(k));
  for (const [k, v] of await loadMemory(tx, more)) memory.set(k, v);
  const timers = await loadTimers(tx, [...timerKeys]);
  const stored: Stored = { memory: new Map(), timers: new Map() };
  for (const k of [...memoryKeys, ...more]) stored.memory.set(k, memory.get(k) ?? undefined);
  for (const k of timerKeys) stored.timers.set(k, timers.get(k) ?? undefined);
  return { world: { memory, timers, outbox: [] }, stored };
}

async function loadMemory(tx: Db, keys: string[]): Promise<Map<string, Memory | null>> {
  const out = new Map<string, Memory | null>();
  if (keys.length === 0) return out;
  const parts = keys.map(split);
  const rows = await tx<{ kind: string; tenant: string; key: string; state: Memory }[]>`
    SELECT s.kind, s.tenant, s.key, s.state FROM pm_state s
    JOIN unnest(${parts.map((p) => p.kind)}::text[], ${parts.map((p) => p.tenant)}::text[], ${parts.map((p) => p.key)}::text[])
      AS k (kind, tenant, key) USING (kind, tenant, key)`;
  for (const r of rows) out.set(`${r.kind}|${r.tenant}|${r.key}`, r.state);
  return out;
}

async function loadTimers(tx: Db, keys: string[]): Promise<Map<string, Timer | null>> {
  const out = new Map<string, Timer | null>();
  if (keys.length === 0) return out;
  const parts = keys.map(split);
  const rows = await tx<
    {
      kind: TimerKind;
      tenant: string;
      key: string;
      due_at: Date;
      stream: string;
      expected_version: number;
      payload: Record<string, unknown>;
    }[]
  >`
    SELECT t.* FROM pm_timers t
    JOIN unnest(${parts.map((p) => p.kind)}::text[], ${parts.map((p) => p.tenant)}::text[], ${parts.map((p) => p.key)}::text[])
      AS k (kind, tenant, key) USING (kind, tenant, key)`;
  for (const r of rows) {
    out.set(`${r.kind}|${r.tenant}|${r.key}`, {
      kind: r.kind,
      tenant: r.tenant,
      key: r.key,
      dueAt: r.due_at.toISOString(),
      stream: r.stream,
      expectedVersion: r.expected_version,
      payload: r.payload,
    });
  }
  return out;
}

/** Writes the memories and timers the batch changed: not those still as `stored` holds them. */
async function saveWorld(tx: Db, w: World, stored: Stored): Promise<void> {
  const same = <T>(was: Map<string, T | undefined>, k: string, now: T | null) =>
    was.has(k) && was.get(k) === (now ?? undefined);
  const memories = [...w.memory].filter(
    (e): e is [string, Memory] => e[1] !== null && !same(stored.memory, e[0], e[1]),
  );
  if (memories.length > 0) {
    const p = memories.map(([k]) => split(k));
    await tx`
      INSERT INTO pm_state (kind, tenant, key, state)
      SELECT * FROM unnest(${p.map((x) => x.kind)}::text[], ${p.map((x) => x.tenant)}::text[], ${p.map((x) => x.key)}::text[],
                           ${memories.map(([, m]) => JSON.stringify(m))}::text[]::jsonb[])
      ON CONFLICT (kind, tenant, key) DO UPDATE SET state = excluded.state`;
  }
  const cleared = [...w.timers]
    .filter(([k, t]) => t === null && !same(stored.timers, k, t))
    .map(([k]) => split(k));
  if (cleared.length > 0) {
    await tx`
      DELETE FROM pm_timers t USING unnest(${cleared.map((x) => x.kind)}::text[], ${cleared.map((x) => x.tenant)}::text[],
                                           ${cleared.map((x) => x.key)}::text[]) AS k (kind, tenant, key)
      WHERE t.kind = k.kind AND t.tenant = k.tenant AND t.key = k.key`;
  }
  const set = [...w.timers]
    .filter((e): e is [string, Timer] => e[1] !== null && !same(stored.timers, e[0], e[1]))
    .map(([, t]) => t);
  if (set.length > 0) {
    await tx`
      INSERT INTO pm_timers (kind, tenant, key, due_at, stream, expected_version, payload)
      SELECT * FROM unnest(${set.map((t) => t.kind)}::text[], ${set.map((t) => t.tenant)}::text[], ${set.map((t) => t.key)}::text[],
        ${set.map((t) => t.dueAt)}::timestamptz[], ${set.map((t) => t.stream)}::text[], ${set.map((t) => t.expectedVersion)}::int[],
        ${set.map((t) => JSON.stringify(t.payload))}::text[]::jsonb[])
      ON CONFLICT (kind, tenant, key) DO UPDATE SET due_at = excluded.due_at, stream = excluded.stream,
        expected_version = excluded.expected_version, payload = excluded.payload`;
  }
}

async function insertOutbox(tx: Db, events: NewEvent[]): Promise<void> {
  await tx`
    INSERT INTO pm_outbox (id, stream, expected_version, event)
    SELECT * FROM unnest(${events.map((e) => e.id)}::uuid[], ${events.map((e) => e.stream)}::text[],
                         ${events.map(() => 'any')}::text[], ${events.map((e) => JSON.stringify(e))}::text[]::jsonb[])
    ON CONFLICT (id) DO NOTHING`;
}
