import { EntityId } from '@pulse/events';

/** What a webhook adapter makes of a payload: client events, before ids and the envelope. */
export interface MappedEvent {
  type: string;
  data: Record<string, unknown>;
  occurredAt?: string;
  source: string;
}

/** A webhook payload that does not have the shape its source documents. */
export class UnmappablePayload extends Error {
  override name = 'UnmappablePayload';
  constructor(
    detail: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

/**
 * A source's name for a machine, as a Pulse machine id when it is one; otherwise undefined, so an
 * alert about an unknown or oddly named machine is kept without a machine rather than dropped.
 * An unrendered template variable (`{{agent.hostname}}`) or Python's `None` names nothing.
 */
export function machineIdFrom(name: unknown): string | undefined {
  if (typeof name !== 'string') return undefined;
  const trimmed = name.trim();
  if (trimmed === '' || trimmed === 'None' || trimmed.includes('{{')) return undefined;
  return EntityId.safeParse(trimmed).success ? trimmed : undefined;
}

/** Fingerprints end stream names: keep the id alphabet and a bounded length. */
export function fingerprint(...parts: (string | number)[]): string {
  const raw = parts.map((p) => String(p).replace(/[^A-Za-z0-9_.:@-]+/g, '-')).join('.');
  return raw.replace(/^[^A-Za-z0-9]+/, '').slice(0, 128) || 'unknown';
}

/** A time the source sent, as ISO 8601 UTC, or undefined when it is no time at all. */
export function isoTime(value: unknown): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const d = new Date(typeof value === 'number' ? value * 1000 : value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function issuesOf(error: { issues: { path: PropertyKey[]; message: string }[] }) {
  return error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}
