import type { ViewDelta } from './views.ts';

/**
 * A delta can outgrow one NATS message (max_payload, 1 MiB by default): a batch of 5,000 events
 * may change thousands of machines or telemetry buckets. Such a delta goes out as several messages
 * with the same view, tenant and position, numbered in `part`; core NATS keeps one publisher's
 * order on a subject, and a consumer applies them only together (DeltaAssembler), so no client
 * ever holds half of a batch under its position (invariant 5).
 */
export interface DeltaPart {
  /** 0-based. */
  index: number;
  count: number;
}

/** The most a delta message may hold: half of the server's max_payload (1 MiB by default), room to spare. */
export function deltaMessageLimit(maxPayload: number | undefined): number {
  return Math.floor((maxPayload ?? 1024 * 1024) / 2);
}

/**
 * The JSON messages that carry `delta`: one when it fits in `maxBytes`, otherwise parts whose rows
 * are split evenly, each within `maxBytes` (a single row larger than that still goes alone).
 */
export function deltaMessages(delta: ViewDelta, maxBytes: number): string[] {
  const whole = JSON.stringify(delta);
  if (Buffer.byteLength(whole) <= maxBytes || delta.rows.length <= 1) return [whole];
  for (let count = Math.ceil(Buffer.byteLength(whole) / maxBytes) + 1; ; count *= 2) {
    const size = Math.ceil(delta.rows.length / Math.min(count, delta.rows.length));
    const chunks: unknown[][] = [];
    for (let i = 0; i < delta.rows.length; i += size) chunks.push(delta.rows.slice(i, i + size));
    const parts = chunks.map((rows, index) =>
      JSON.stringify({ ...delta, rows, part: { index, count: chunks.length } }),
    );
    if (size === 1 || parts.every((p) => Buffer.byteLength(p) <= maxBytes)) return parts;
  }
}

/**
 * Joins the parts of a delta back into one (per view and tenant). A delta without parts passes
 * through. A part out of turn (one was lost: core NATS is at most once) drops what was gathered
 * for that view and tenant, as a lost whole delta would be; the next whole delta carries on.
 */
export class DeltaAssembler {
  private readonly pending = new Map<string, { delta: ViewDelta; next: number }>();

  /** The complete delta once its last part is in, else undefined. `dropped` hears every incomplete one given up. */
  accept(delta: ViewDelta & { part?: DeltaPart }, dropped?: (reason: string) => void): ViewDelta | undefined {
    const key = `${delta.tenant}\u0000${delta.view}`;
    const gathering = this.pending.get(key);
    if (!delta.part) {
      if (gathering) {
        this.pending.delete(key);
        dropped?.(unfinished(gathering));
      }
      return delta;
    }
    const { part, ...rest } = delta;
    if (part.index === 0) {
      if (gathering) dropped?.(unfinished(gathering));
      this.pending.set(key, { delta: { ...rest, rows: rest.rows.slice() }, next: 1 });
    } else if (gathering && gathering.delta.position === delta.position && gathering.next === part.index) {
      for (const row of rest.rows) gathering.delta.rows.push(row);
      gathering.next++;
    } else {
      this.pending.delete(key);
      dropped?.(`part ${part.index} of ${delta.view} at ${delta.position} came without the parts before it`);
      return undefined;
    }
    const done = this.pending.get(key)!;
    if (done.next < part.count) return undefined;
    this.pending.delete(key);
    return done.delta;
  }
}

function unfinished(g: { delta: ViewDelta; next: number }): string {
  return `the parts from ${g.next} on of ${g.delta.view} at ${g.delta.position} never came`;
}
