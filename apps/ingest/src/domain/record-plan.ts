import { isDeepStrictEqual } from 'node:util';
import { checkInboxEvent, type BusNames, type InboxEvent } from '@pulse/events';
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
  event: NewEvent;
}

export interface ToDeadLetter {
  index: number;
  tenant: string;
  reason: string;
}

export interface RecordPlan {
  record: ToRecord[];
  deadLetter: ToDeadLetter[];
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decides, for each message of a batch, whether it is stored or dead-lettered. Anything may
 * publish to the inbox with NATS credentials, so every message is checked again here.
 */
export function planBatch(messages: InboxMessage[], names: Pick<BusNames, 'inboxAll'>): RecordPlan {
  const plan: RecordPlan = { record: [], deadLetter: [] };
  const claimed = new Map<string, NewEvent>();
  messages.forEach((message, index) => {
    const verdict = judgeMessage(message, names);
    if (!verdict.ok) return plan.deadLetter.push({ index, tenant: verdict.tenant, reason: verdict.reason });
    const event = toNewEvent(verdict.event);
    // A repeat of an id is a retry when it is the same event (the store keeps one), and a
    // conflict when it is another: the first one wins, the other goes to the dead letters
    // instead of failing the whole batch in the store.
    const first = claimed.get(event.id);
    if (first && !sameEvent(first, event)) {
      return plan.deadLetter.push({
        index,
        tenant: event.tenant,
        reason: `id: ${event.id} is already used by another ${first.type} event in ${first.stream}`,
      });
    }
    claimed.set(event.id, event);
    plan.record.push({ index, event });
  });
  return plan;
}

type Verdict = { ok: true; event: InboxEvent } | { ok: false; tenant: string; reason: string };

export function judgeMessage(message: InboxMessage, names: Pick<BusNames, 'inboxAll'>): Verdict {
  const subject = inboxSubjectParts(message.subject, names);
  const tenant = deadLetterTenant(subject?.tenant);
  if (!subject) return { ok: false, tenant, reason: `subject: "${message.subject}" is not an inbox subject` };
  let body: unknown;
  try {
    body = JSON.parse(decoder.decode(message.data));
  } catch (err) {
    return { ok: false, tenant, reason: `body: not valid JSON (${(err as Error).message})` };
  }
  const checked = checkInboxEvent(body, subject.tenant);
  if (!checked.ok)
    return { ok: false, tenant, reason: checked.issues.map((i) => `${i.path}: ${i.message}`).join('; ') };
  if (checked.value.type !== subject.type) {
    return {
      ok: false,
      tenant,
      reason: `type: "${checked.value.type}" does not match the subject's "${subject.type}"`,
    };
  }
  return { ok: true, event: checked.value };
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
