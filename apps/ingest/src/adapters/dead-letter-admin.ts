import { jetstream, jetstreamManager, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { BusNames } from '@pulse/events';
import { deadLetterHeaders } from './dead-letters.ts';

export interface DeadLetterEntry {
  seq: number;
  subject: string;
  tenant: string;
  reason: string;
  originalSubject: string;
  originalSequence: string;
  item?: string;
  time: string;
  bytes: number;
  preview: string;
}

/**
 * Where a dead letter goes when it is replayed: a whole message back to its own subject; an event
 * cut out of a batch message to the single-event subject of its type, since its bytes are one
 * event now, not a batch.
 */
export function replaySubject(letter: { originalSubject: string; item?: string; tenant: string; data: Uint8Array }, names: BusNames): string {
  if (letter.item === undefined) return letter.originalSubject;
  try {
    const type = (JSON.parse(new TextDecoder().decode(letter.data)) as { type?: unknown }).type;
    if (typeof type === 'string' && /^[a-z_]+\.[a-z_]+$/.test(type)) return names.inbox(letter.tenant, type);
  } catch {
    // Unparseable bytes go back where they came from and are dead-lettered again, reason and all.
  }
  return letter.originalSubject;
}

/** Lists and re-drives OPS_DLQ (`npm run dlq -- list|replay`). */
export class DeadLetterAdmin {
  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly names: BusNames,
  ) {}

  static async connect(nc: NatsConnection, names: BusNames): Promise<DeadLetterAdmin> {
    return new DeadLetterAdmin(nc, await jetstreamManager(nc), names);
  }

  async list(options: { tenant?: string; limit?: number } = {}): Promise<DeadLetterEntry[]> {
    const out: DeadLetterEntry[] = [];
    for await (const m of this.messages()) {
      const entry = toEntry(m, this.names);
      if (options.tenant && entry.tenant !== options.tenant) continue;
      out.push(entry);
      if (options.limit && out.length >= options.limit) break;
    }
    return out;
  }

  /** Publishes each chosen letter to the inbox again and removes it from the DLQ once JetStream has it. */
  async replay(options: { tenant?: string; seqs?: number[] } = {}): Promise<{ replayed: number; subjects: string[] }> {
    const js = jetstream(this.nc);
    const subjects: string[] = [];
    for await (const m of this.messages()) {
      const entry = toEntry(m, this.names);
      if (options.tenant && entry.tenant !== options.tenant) continue;
      if (options.seqs && !options.seqs.includes(m.seq)) continue;
      const subject = replaySubject({ ...entry, data: m.data }, this.names);
      await js.publish(subject, m.data, { msgID: `${this.names.dlqStream}:replay:${m.seq}`, expect: { streamName: this.names.inboxStream } });
      await this.jsm.streams.deleteMessage(this.names.dlqStream, m.seq);
      subjects.push(subject);
    }
    return { replayed: subjects.length, subjects };
  }

  private async *messages(): AsyncGenerator<StoredMsg> {
    const { state } = await this.jsm.streams.info(this.names.dlqStream);
    if (state.messages === 0) return;
    for (let seq = state.first_seq; seq <= state.last_seq; seq++) {
      const m = await this.jsm.streams.getMessage(this.names.dlqStream, { seq }).catch(() => null);
      if (m) yield m;
    }
  }
}

function toEntry(m: StoredMsg, names: BusNames): DeadLetterEntry {
  const h = (name: string) => m.header?.get(name) ?? '';
  const tenant = m.subject.slice(names.dlq('').length);
  const text = new TextDecoder().decode(m.data);
  return {
    seq: m.seq,
    subject: m.subject,
    tenant,
    reason: h(deadLetterHeaders.reason),
    originalSubject: h(deadLetterHeaders.subject),
    originalSequence: h(deadLetterHeaders.sequence),
    ...(h(deadLetterHeaders.item) && { item: h(deadLetterHeaders.item) }),
    time: m.time.toISOString(),
    bytes: m.data.length,
    preview: text.length > 120 ? `${text.slice(0, 117)}...` : text,
  };
}
