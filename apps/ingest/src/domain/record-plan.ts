import { isDeepStrictEqual } from 'node:util';
import { checkInboxEvent, InboxBatch, inboxBatchSubjectToken, type BusNames, type InboxEvent } from '@pulse/events';
import type { NewEvent } from '@pulse/eventstore';
import { deadLetterTenant, inboxSubjectParts } from './inbox-subject.ts';

/** What the recorder needs of one JetStream message. */
export interface InboxMessage {
  subject: string;
  data: Uint8Array;
}

export interface ToRecord {
  /** The message's place in the batch. */
  index: number;
  /** The event's place inside a batch message; absent for a single-event message. */
  item?: number;
  event: NewEvent;
}

export interface ToDeadLetter {
  index: number;
  /** The event's place inside a batch message; absent when the whole message is dead. */
  item?: number;
  tenant: string;
  reason: string;
  /** The bad event's own bytes when it came inside a batch; else the message's bytes are kept. */
  data?: Uint8Array;
}

export interface RecordPlan {
  record: ToRecord[];
  deadLetter: ToDeadLetter[];
}

const decoder = new TextDecoder('utf-8', { fatal: true });
const encoder = new TextEncoder();

/**
 * Decides, for each message of a pull, whether its events are stored or dead-lettered. A message
 * holds one event (`ops.in.<tenant>.<type>`, as agents with NATS credentials publish) or a batch
 * of them (`ops.in.<tenant>.batch`, as the HTTP edge publishes). Anything may publish to the
 * inbox with NATS credentials, so every event is checked again here, one by one: a bad event in a
 * batch goes to the dead letters alone and the rest of its batch is stored.
 */
export function planBatch(messages: InboxMessage[], names: Pick<BusNames, 'inboxAll'>): RecordPlan {
  const plan: RecordPlan = { record: [], deadLetter: [] };
  const claimed = new Map<string, NewEvent>();
  const take = (index: number, item: number | undefined, verdict: Verdict, data?: Uint8Array) => {
    const at = item === undefined ? {} : { item };
    if (!verdict.ok) {
      plan.deadLetter.push({ index, ...at, tenant: verdict.tenant, reason: verdict.reason, ...(data && { data }) });
      return;
    }
    const event = toNewEvent(verdict.event);
    // A repeat of an id is a retry when it is the same event (the store keeps one), and a
    // conflict when it is another: the first one wins, the other goes to the dead letters
    // instead of failing the whole batch in the store.
    const first = claimed.get(event.id);
    if (first && !sameEvent(first, event)) {
      plan.deadLetter.push({
        index,
        ...at,
        tenant: event.tenant,
        reason: `id: ${event.id} is already used by another ${first.type} event in ${first.stream}`,
        ...(data && { data }),
      });
      return;
    }
    claimed.set(event.id, event);
    plan.record.push({ index, ...at, event });
  };
  messages.forEach((message, index) => {
    const subject = inboxSubjectParts(message.subject, names);
    if (subject?.type !== inboxBatchSubjectToken) return take(index, undefined, judgeMessage(message, names));
    const batch = judgeBatch(message.data, subject.tenant);
    if (!batch.ok) return take(index, undefined, batch);
    batch.items.forEach((item, i) => {
      const checked = judgeEvent(item, subject.tenant, undefined);
      take(index, i, checked, checked.ok ? undefined : encoder.encode(safeStringify(item)));
    });
  });
  return plan;
}

type Verdict = { ok: true; event: InboxEvent } | { ok: false; tenant: string; reason: string };

export function judgeMessage(message: InboxMessage, names: Pick<BusNames, 'inboxAll'>): Verdict {
  const subject = inboxSubjectParts(message.subject, names);
  const tenant = deadLetterTenant(subject?.tenant);
  if (!subject) return { ok: false, tenant, reason: `subject: "${message.subject}" is not an inbox subject` };
  const body = parseJson(message.data);
  if (!body.ok) return { ok: false, tenant, reason: body.reason };
  return judgeEvent(body.value, subject.tenant, subject.type);
}

/** One event, from a single-event message (whose subject names its type) or from a batch. */
function judgeEvent(body: unknown, subjectTenant: string, subjectType: string | undefined): Verdict {
  const tenant = deadLetterTenant(subjectTenant);
  const checked = checkInboxEvent(body, subjectTenant);
  if (!checked.ok)
    return { ok: false, tenant, reason: checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
  if (subjectType !== undefined && checked.value.type !== subjectType) {
    return {
      ok: false,
      tenant,
      reason: `type: "${checked.value.type}" does not match the subject's "${subjectType}"`,
    };
  }
  return { ok: true, event: checked.value };
}

function judgeBatch(
  data: Uint8Array,
  subjectTenant: string,
): { ok: true; items: unknown[] } | { ok: false; tenant: string; reason: string } {
  const tenant = deadLetterTenant(subjectTenant);
  const body = parseJson(data);
  if (!body.ok) return { ok: false, tenant, reason: body.reason };
  const batch = InboxBatch.safeParse(body.value);
  if (!batch.success) {
    const reason = batch.error.issues.map((i) => `batch.${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
    return { ok: false, tenant, reason };
  }
  return { ok: true, items: batch.data.events };
}

function parseJson(data: Uint8Array): { ok: true; value: unknown } | { ok: false; reason: string } {
  try {
    return { ok: true, value: JSON.parse(decoder.decode(data)) };
  } catch (err) {
    return { ok: false, reason: `body: not valid JSON (${(err as Error).message})` };
  }
}

/** An item of a parsed batch always serialises; the guard is for a pathological depth. */
function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return '"(unserialisable)"';
  }
}

/** What the store compares to tell a retry from a conflict: stream, type and data. */
function sameEvent(a: NewEvent, b: NewEvent): boolean {
  return a.stream === b.stream && a.type === b.type && isDeepStrictEqual(a.data, b.data);
}

/** The store's shape of an inbox event: who sent it and when it arrived go to the metadata. */
export function toNewEvent(e: InboxEvent): NewEvent {
  return {
    id: e.id,
    type: e.type,
    tenant: e.tenant,
    stream: e.stream,
    occurredAt: e.occurredAt,
    schemaVersion: e.schemaVersion,
    data: e.data,
    metadata: {
      receivedAt: e.receivedAt,
      ...(e.source !== undefined && { source: e.source }),
      ...(e.correlationId !== undefined && { correlationId: e.correlationId }),
      ...(e.causationId !== undefined && { causationId: e.causationId }),
    },
  };
}
