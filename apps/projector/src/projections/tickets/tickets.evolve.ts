import type { KnownRecordedEvent, TicketTimelineEntry, TicketView } from '@pulse/events';

export interface TicketRow extends TicketView {
  tenant: string;
  position: number;
}

export interface TimelineRow extends TicketTimelineEntry {
  tenant: string;
  position: number;
}

export function ticketIdOf(event: KnownRecordedEvent): string | undefined {
  return event.type.startsWith('ticket.') ? (event.data as { ticketId: string }).ticketId : undefined;
}

/**
 * The next row of one ticket. Owner: whoever opened it (the automation or a person), then whoever
 * it is assigned to or who took it over; nobody after a release. Pure.
 */
export function evolve(row: TicketRow | undefined, event: KnownRecordedEvent): TicketRow | undefined {
  if (event.type === 'ticket.opened') {
    const d = event.data;
    // A second ticket.opened for the same id (never appended by Pulse) is ignored: the first wins.
    if (row) return { ...row, position: event.position };
    return {
      tenant: event.tenant,
      ticketId: d.ticketId,
      title: d.title,
      priority: d.priority,
      origin: d.origin,
      machineId: d.machineId ?? null,
      status: 'open',
      owner: d.by,
      openedAt: event.occurredAt,
      openedBy: d.by,
      slaDueAt: d.slaDueAt ? new Date(d.slaDueAt).toISOString() : null,
      slaBreachedAt: null,
      escalated: false,
      resolvedAt: null,
      resolution: null,
      lastActivityAt: event.occurredAt,
      timelineLength: 1,
      position: event.position,
    };
  }
  // Anything before the ticket was opened has nothing to attach to.
  if (!row || !event.type.startsWith('ticket.')) return row;
  const next: TicketRow = {
    ...row,
    lastActivityAt:
      Date.parse(event.occurredAt) > Date.parse(row.lastActivityAt) ? event.occurredAt : row.lastActivityAt,
    timelineLength: row.timelineLength + 1,
    position: event.position,
  };
  switch (event.type) {
    case 'ticket.assigned':
      return { ...next, owner: event.data.to };
    case 'ticket.taken_over':
      return { ...next, owner: event.data.to };
    case 'ticket.released':
      return { ...next, owner: null };
    case 'ticket.escalated':
      return { ...next, escalated: true, owner: event.data.to ?? next.owner };
    case 'ticket.resolved':
      return { ...next, status: 'resolved', resolvedAt: event.occurredAt, resolution: event.data.resolution };
    case 'ticket.sla_breached':
      return { ...next, slaBreachedAt: next.slaBreachedAt ?? event.occurredAt };
    default:
      return next;
  }
}

/** A ticket event as a line of its timeline (undefined for events that are not about a ticket). */
export function timelineEntry(event: KnownRecordedEvent): TimelineRow | undefined {
  const base = {
    tenant: event.tenant,
    seq: event.streamVersion,
    at: event.occurredAt,
    type: event.type,
    position: event.position,
  };
  switch (event.type) {
    case 'ticket.opened':
      return {
        ...base,
        ticketId: event.data.ticketId,
        by: event.data.by,
        text: `opened: ${event.data.title}`,
      };
    case 'ticket.assigned':
      return {
        ...base,
        ticketId: event.data.ticketId,
        by: event.data.by,
        text: `assigned to ${event.data.to}`,
      };
    case 'ticket.taken_over':
      return {
        ...base,
        ticketId: event.data.ticketId,
        by: event.data.to,
        text: event.data.from ? `taken over from ${event.data.from}` : 'taken over',
      };
    case 'ticket.released':
      return {
        ...base,
        ticketId: event.data.ticketId,
        by: event.data.by,
        text: event.data.note ? `released: ${event.data.note}` : 'released',
      };
    case 'ticket.note_added':
      return { ...base, ticketId: event.data.ticketId, by: event.data.by, text: event.data.note };
    case 'ticket.escalated':
      return {
        ...base,
        ticketId: event.data.ticketId,
        by: event.data.by,
        text: `escalated${event.data.to ? ` to ${event.data.to}` : ''}: ${event.data.reason}`,
      };
    case 'ticket.resolved':
      return {
        ...base,
        ticketId: event.data.ticketId,
        by: event.data.by,
        text: `resolved: ${event.data.resolution}`,
      };
    case 'ticket.sla_breached':
      return {
        ...base,
        ticketId: event.data.ticketId,
        by: null,
        text: `SLA breached (due ${event.data.dueAt})`,
      };
    default:
      return undefined;
  }
}

export function toTicketView({ tenant: _t, position: _p, ...view }: TicketRow): TicketView {
  return view;
}
