import { z } from 'zod';
import { catalog, isEventType, upcast, UnsupportedSchemaVersion, type EventData, type EventDefinition, type EventType } from './catalog.ts';
import { TenantId } from './ids.ts';

/** What a client sends (DESIGN.md, "What a client sends"): only what it knows. */
export const ClientEvent = z.strictObject({
  id: z.uuid().optional(),
  type: z.string().min(1).max(100),
  occurredAt: z.iso.datetime({ offset: true }).optional(),
  source: z.string().min(1).max(200).optional(),
  correlationId: z.string().min(1).max(200).optional(),
  causationId: z.string().min(1).max(200).optional(),
  schemaVersion: z.number().int().min(1).default(1),
  data: z.unknown(),
});
export type ClientEvent = z.infer<typeof ClientEvent>;

/** What the edge publishes to OPS_INBOX: the client's event with everything the edge fills in. */
export const InboxEvent = z.strictObject({
  id: z.uuid(),
  type: z.string().min(1).max(100),
  tenant: TenantId,
  stream: z.string().min(1).max(300),
  occurredAt: z.iso.datetime({ offset: true }),
  receivedAt: z.iso.datetime({ offset: true }),
  source: z.string().max(200).optional(),
  correlationId: z.string().max(200).optional(),
  causationId: z.string().max(200).optional(),
  schemaVersion: z.number().int().min(1),
  data: z.record(z.string(), z.unknown()),
});
export type InboxEvent = z.infer<typeof InboxEvent>;

/**
 * What the HTTP edge publishes as ONE JetStream message on `ops.in.<tenant>.batch`: many inbox
 * events of one tenant. The recorder validates every event in it again, one by one, exactly as
 * it validates a single event published on `ops.in.<tenant>.<type>`; `events` is therefore
 * `unknown[]` here. `batchId` is the message's Nats-Msg-Id (derived from the event ids).
 */
export const InboxBatch = z.strictObject({
  batchId: z.string().min(1).max(200),
  events: z.array(z.unknown()).min(1).max(100_000),
});
export type InboxBatch = z.infer<typeof InboxBatch>;

/** An event as the store returns it: the inbox event plus what the store assigns. */
export interface RecordedEvent<T extends string = string, D = Record<string, unknown>> {
  id: string;
  type: T;
  tenant: string;
  stream: string;
  /** Version within the stream, starting at 0. */
  streamVersion: number;
  /** Global position, assigned by the store; strictly increasing in commit order. */
  position: number;
  occurredAt: string;
  recordedAt: string;
  schemaVersion: number;
  data: D;
  metadata: EventMetadata;
}

export interface EventMetadata {
  source?: string;
  correlationId?: string;
  causationId?: string;
  receivedAt?: string;
}

export type KnownRecordedEvent = { [T in EventType]: RecordedEvent<T, EventData<T>> }[EventType];

export interface ValidationIssue {
  /** JSON pointer-ish path, e.g. `data.cpuPct`. */
  path: string;
  message: string;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

function issuesOf(error: z.ZodError, prefix: string[] = []): ValidationIssue[] {
  return error.issues.map((i) => ({
    path: [...prefix, ...i.path.map(String)].join('.') || '(root)',
    message: i.message,
  }));
}

/**
 * Turns what a client sent into an inbox event: validates the envelope, the type and the type's
 * data, then derives the tenant's stream. Pure: the tenant, clock and id source come in.
 */
export function toInboxEvent(
  input: unknown,
  ctx: { tenant: string; receivedAt: string; newId: () => string },
): ParseResult<InboxEvent> {
  const envelope = ClientEvent.safeParse(input);
  if (!envelope.success) return { ok: false, issues: issuesOf(envelope.error) };
  const e = envelope.data;
  if (!isEventType(e.type)) {
    return { ok: false, issues: [{ path: 'type', message: `unknown event type "${e.type}"` }] };
  }
  const checked = checkData(e.type, e.schemaVersion, e.data);
  if (!checked.ok) return checked;
  const { def, data } = checked.value;
  const value: InboxEvent = {
    id: e.id ?? ctx.newId(),
    type: e.type,
    tenant: ctx.tenant,
    stream: def.stream(ctx.tenant, data),
    occurredAt: e.occurredAt ? new Date(e.occurredAt).toISOString() : ctx.receivedAt,
    receivedAt: ctx.receivedAt,
    schemaVersion: def.version,
    data,
    ...(e.source !== undefined && { source: e.source }),
    ...(e.correlationId !== undefined && { correlationId: e.correlationId }),
    ...(e.causationId !== undefined && { causationId: e.causationId }),
  };
  return { ok: true, value };
}

/**
 * The inbox event with `data` left to its type's schema (checkData): parsed as a record first, every
 * event's data was copied twice, half of the recorder's allocations in a profile.
 */
const InboxEnvelope = InboxEvent.extend({ data: z.unknown() });

/**
 * Validates an inbox event again at the recorder: anything may publish to `ops.in.>` with NATS
 * credentials, so the recorder trusts nothing the edge would have checked. The subject's tenant
 * must match the body's, and the stream must be the one the type and data imply.
 */
export function checkInboxEvent(input: unknown, subjectTenant?: string): ParseResult<InboxEvent> {
  const parsed = InboxEnvelope.safeParse(input);
  if (!parsed.success) return { ok: false, issues: issuesOf(parsed.error) };
  const e = parsed.data;
  if (subjectTenant !== undefined && subjectTenant !== e.tenant) {
    return { ok: false, issues: [{ path: 'tenant', message: `tenant "${e.tenant}" does not match the subject's "${subjectTenant}"` }] };
  }
  if (!isEventType(e.type)) return { ok: false, issues: [{ path: 'type', message: `unknown event type "${e.type}"` }] };
  const checked = checkData(e.type, e.schemaVersion, e.data);
  if (!checked.ok) return checked;
  const { def, data } = checked.value;
  const stream = def.stream(e.tenant, data);
  if (stream !== e.stream) return { ok: false, issues: [{ path: 'stream', message: `expected stream "${stream}"` }] };
  return { ok: true, value: { ...e, schemaVersion: def.version, data } };
}

/** Upcasts data of any supported schema version to the current one and validates it. */
function checkData(
  type: EventType,
  schemaVersion: number,
  input: unknown,
): ParseResult<{ def: EventDefinition; data: Record<string, unknown> }> {
  const def: EventDefinition = catalog[type];
  let current: unknown = input;
  if (schemaVersion !== def.version && input !== null && typeof input === 'object' && !Array.isArray(input)) {
    try {
      current = upcast(type, schemaVersion, input as Record<string, unknown>);
    } catch (err) {
      if (err instanceof UnsupportedSchemaVersion) return { ok: false, issues: [{ path: 'schemaVersion', message: err.message }] };
      throw err;
    }
  } else if (schemaVersion > def.version) {
    return { ok: false, issues: [{ path: 'schemaVersion', message: `${type} has no schemaVersion ${schemaVersion} (current is ${def.version})` }] };
  }
  const data = def.data.safeParse(current);
  if (!data.success) return { ok: false, issues: issuesOf(data.error, ['data']) };
  return { ok: true, value: { def, data: data.data as Record<string, unknown> } };
}
