import type { Sql, TransactionSql } from 'postgres';
import type { TicketOrigin } from '@pulse/events';
import { foldKeyed, rowKey, type Keyed } from '../keyed-fold.ts';
import { loadThrough } from '../row-cache.ts';
import {
  deltasByTenant,
  Dirty,
  inChunks,
  withoutTenant,
  type CheckedBatch,
  type Projection,
  typesStartingWith,
} from '../projection.ts';
import {
  evolve,
  ticketIdOf,
  timelineEntry,
  toTicketView,
  type TicketRow,
  type TimelineRow,
} from './tickets.evolve.ts';

export const TICKETS = 'tickets';
export const ticketTables = { tickets: 'read_tickets', timeline: 'read_ticket_timeline' } as const;

/**
 * The tickets view: read_tickets and read_ticket_timeline, checkpoint 'tickets', deltas on
 * ops.view.<tenant>.tickets and ops.view.<tenant>.ticket_timeline. Timeline entries are only ever
 * added (keyed by the ticket stream's version, so a replay writes the same ones).
 */
export const ticketsProjection: Projection<keyof typeof ticketTables> = {
  name: TICKETS,
  tables: ticketTables,
  eventTypes: typesStartingWith('ticket.'),
  async apply(tx, batch, t, cache) {
    const { events, timeline } = ticketEvents(batch);
    if (events.length === 0) return [];
    const refs = new Map<string, TicketRef>();
    for (const { key, event } of events) refs.set(key, { tenant: event.tenant, id: ticketIdOf(event)! });
    const tickets = cache?.table<TicketRow>('tickets');
    const loaded = await loadThrough(tickets, refs, (missing) => loadTickets(tx, missing, t.tickets));
    const { changed, rows: all } = foldKeyed(loaded, events, evolve);
    for (const c of changed) tickets?.stage(c.key, c.after);
    const rows = changed.map((c) => c.after);
    await upsertTickets(tx, rows, t.tickets);
    // Entries of tickets never opened have nothing to hang from.
    const kept = timeline.filter((e) => all.has(rowKey(e.tenant, e.ticketId)));
    await insertTimeline(tx, kept, t.timeline);
    return [
      ...deltasByTenant('tickets', rows, batch.position, toTicketView),
      ...deltasByTenant('ticket_timeline', kept, batch.position, withoutTenant),
    ];
  },
  rebuilder() {
    const rows = new Map<string, TicketRow>();
    const tickets = new Dirty<TicketRow>();
    let entries: TimelineRow[] = [];
    return {
      fold(batch) {
        const { events, timeline } = ticketEvents(batch);
        if (events.length === 0) return;
        // In place, as foldKeyed does without its copy: the rebuild owns these rows.
        for (const { key, event } of events) {
          const before = rows.get(key);
          const after = evolve(before, event);
          if (after === before || after === undefined) continue;
          rows.set(key, after);
          tickets.set(key, after);
        }
        entries.push(...timeline.filter((e) => rows.has(rowKey(e.tenant, e.ticketId))));
      },
      async flush(tx, t) {
        const changed = tickets.take();
        const added = entries;
        entries = [];
        await inChunks(changed, 5000, (c) => upsertTickets(tx, c, t.tickets!));
        await inChunks(added, 5000, (c) => insertTimeline(tx, c, t.timeline!));
      },
    };
  },
};

function ticketEvents(batch: CheckedBatch): { events: Keyed[]; timeline: TimelineRow[] } {
  const events: Keyed[] = [];
  const timeline: TimelineRow[] = [];
  for (const event of batch.events) {
    const id = ticketIdOf(event);
    if (id === undefined) continue;
    events.push({ key: rowKey(event.tenant, id), event });
    const entry = timelineEntry(event);
    if (entry) timeline.push(entry);
  }
  return { events, timeline };
}

interface TicketRecord {
  tenant: string;
  ticket_id: string;
  title: string;
  priority: TicketRow['priority'];
  origin: TicketOrigin;
  machine_id: string | null;
  status: TicketRow['status'];
  owner: string | null;
  opened_at: Date;
  opened_by: string;
  sla_due_at: Date | null;
  sla_breached_at: Date | null;
  escalated: boolean;
  resolved_at: Date | null;
  resolution: string | null;
  last_activity_at: Date;
  timeline_length: number;
  position: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

interface TicketRef {
  tenant: string;
  id: string;
}

export async function loadTickets(
  tx: TransactionSql | Sql,
  r: readonly TicketRef[],
  table: string,
): Promise<Map<string, TicketRow>> {
  const records = await tx<TicketRecord[]>`
    SELECT t.* FROM ${tx(table)} t
    JOIN unnest(${r.map((x) => x.tenant)}::text[], ${r.map((x) => x.id)}::text[]) AS k (tenant, ticket_id)
      USING (tenant, ticket_id)`;
  return new Map(
    records.map((x) => [
      rowKey(x.tenant, x.ticket_id),
      {
        tenant: x.tenant,
        ticketId: x.ticket_id,
        title: x.title,
        priority: x.priority,
        origin: x.origin,
        machineId: x.machine_id,
        status: x.status,
        owner: x.owner,
        openedAt: x.opened_at.toISOString(),
        openedBy: x.opened_by,
        slaDueAt: iso(x.sla_due_at),
        slaBreachedAt: iso(x.sla_breached_at),
        escalated: x.escalated,
        resolvedAt: iso(x.resolved_at),
        resolution: x.resolution,
        lastActivityAt: x.last_activity_at.toISOString(),
        timelineLength: x.timeline_length,
        position: x.position,
      },
    ]),
  );
}

async function upsertTickets(tx: TransactionSql, rows: TicketRow[], table: string): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: TicketRow) => T) => rows.map(pick);
  await tx`
    INSERT INTO ${tx(table)} (tenant, ticket_id, title, priority, origin, machine_id, status, owner, opened_at,
      opened_by, sla_due_at, sla_breached_at, escalated, resolved_at, resolution, last_activity_at, timeline_length, position)
    SELECT * FROM unnest(${col((r) => r.tenant)}::text[], ${col((r) => r.ticketId)}::text[], ${col((r) => r.title)}::text[],
      ${col((r) => r.priority)}::text[], ${col((r) => JSON.stringify(r.origin))}::text[]::jsonb[], ${col((r) => r.machineId)}::text[],
      ${col((r) => r.status)}::text[], ${col((r) => r.owner)}::text[], ${col((r) => r.openedAt)}::timestamptz[],
      ${col((r) => r.openedBy)}::text[], ${col((r) => r.slaDueAt)}::timestamptz[], ${col((r) => r.slaBreachedAt)}::timestamptz[],
      ${col((r) => String(r.escalated))}::text[]::bool[], ${col((r) => r.resolvedAt)}::timestamptz[], ${col((r) => r.resolution)}::text[],
      ${col((r) => r.lastActivityAt)}::timestamptz[], ${col((r) => r.timelineLength)}::int[], ${col((r) => r.position)}::bigint[])
    ON CONFLICT (tenant, ticket_id) DO UPDATE SET title = excluded.title, priority = excluded.priority,
      origin = excluded.origin, machine_id = excluded.machine_id, status = excluded.status, owner = excluded.owner,
      opened_at = excluded.opened_at, opened_by = excluded.opened_by, sla_due_at = excluded.sla_due_at,
      sla_breached_at = excluded.sla_breached_at, escalated = excluded.escalated, resolved_at = excluded.resolved_at,
      resolution = excluded.resolution, last_activity_at = excluded.last_activity_at,
      timeline_length = excluded.timeline_length, position = excluded.position`;
}

async function insertTimeline(tx: TransactionSql, rows: TimelineRow[], table: string): Promise<void> {
  if (rows.length === 0) return;
  const col = <T>(pick: (r: TimelineRow) => T) => rows.map(pick);
  await tx`
    INSERT INTO ${tx(table)} (tenant, ticket_id, seq, at, type, by, text, position)
    SELECT * FROM unnest(${col((r) => r.tenant)}::text[], ${col((r) => r.ticketId)}::text[], ${col((r) => r.seq)}::int[],
      ${col((r) => r.at)}::timestamptz[], ${col((r) => r.type)}::text[], ${col((r) => r.by)}::text[],
      ${col((r) => r.text)}::text[], ${col((r) => r.position)}::bigint[])
    ON CONFLICT (tenant, ticket_id, seq) DO NOTHING`;
}
