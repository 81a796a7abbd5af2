import { createHash } from 'node:crypto';

/** The namespace of Pulse's name-based ids (a fixed, random UUID). */
const pulseNamespace = Buffer.from('6f1d3c2a9b8e4f7d8c5a1e2b3d4f6a70', 'hex');

/** An RFC 9562 version 5 (name-based, SHA-1) UUID: the same name always gives the same id. */
export function uuidV5(name: string, namespace: Buffer = pulseNamespace): string {
  const hash = createHash('sha1').update(namespace).update(name).digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Ids for the events of a request sent with an `Idempotency-Key` (sources that have no ids of
 * their own): the event at index n of the request gets the same id on every retry of it. The
 * tenant is part of the name, so two tenants' keys can never collide.
 */
export function idempotentIds(tenant: string, key: string): (index: number) => string {
  return (index) => uuidV5(`${tenant}\n${key}\n${index}`);
}

/** Idempotency keys are short printable ASCII, as the IETF draft and Stripe use them. */
export function isValidIdempotencyKey(key: string): boolean {
  return /^[\x21-\x7e]{1,255}$/.test(key);
}
