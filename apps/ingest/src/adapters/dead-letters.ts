import { headers } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import type { BusNames } from '@pulse/events';

export const deadLetterHeaders = {
  reason: 'Pulse-Dead-Letter-Reason',
  subject: 'Pulse-Original-Subject',
  stream: 'Pulse-Original-Stream',
  sequence: 'Pulse-Original-Sequence',
  /** The event's place inside a batch message (absent when the whole message is dead). */
  item: 'Pulse-Original-Item',
} as const;

export interface DeadLetter {
  tenant: string;
  reason: string;
  /** The original message, byte for byte. */
  data: Uint8Array;
  subject: string;
  sequence: number;
  item?: number;
}

/** Moves a message the recorder cannot store to OPS_DLQ, keeping its bytes and saying why. */
export class DeadLetters {
  constructor(
    private readonly js: JetStreamClient,
    private readonly names: BusNames,
  ) {}

  async publish(letter: DeadLetter): Promise<void> {
    const h = headers();
    h.set(deadLetterHeaders.reason, headerValue(letter.reason));
    h.set(deadLetterHeaders.subject, letter.subject);
    h.set(deadLetterHeaders.stream, this.names.inboxStream);
    h.set(deadLetterHeaders.sequence, String(letter.sequence));
    if (letter.item !== undefined) h.set(deadLetterHeaders.item, String(letter.item));
    await this.js.publish(this.names.dlq(letter.tenant), letter.data, {
      headers: h,
      // A redelivered bad message is dead-lettered once: its inbox sequence (and its place in
      // a batch message) is its identity.
      msgID: `${this.names.inboxStream}:${letter.sequence}${letter.item === undefined ? '' : `:${letter.item}`}`,
      expect: { streamName: this.names.dlqStream },
    });
  }
}

/** Header values are one line; a reason quoting a client's input may hold anything. */
function headerValue(text: string): string {
  const line = text.replace(/[\r\n]+/g, ' ').trim();
  return line.length > 1000 ? `${line.slice(0, 997)}...` : line;
}
