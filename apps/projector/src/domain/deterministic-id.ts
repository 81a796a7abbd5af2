import { createHash } from 'node:crypto';

/** The namespace of every id the projector derives (a fixed, randomly chosen UUID). */
const PROJECTOR_NAMESPACE = Buffer.from('6f1d3c0e9b2a4f7e8d5c4b3a29187654', 'hex');

/**
 * A name-based UUID (RFC 9562 version 5): the same name always gives the same id, so a process
 * manager that retries a decision appends it once (the store stores an event id once).
 */
export function deterministicUuid(name: string): string {
  const hash = createHash('sha1').update(PROJECTOR_NAMESPACE).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6]! & 0x0f) | 0x50;
  bytes[8] = (bytes[8]! & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
