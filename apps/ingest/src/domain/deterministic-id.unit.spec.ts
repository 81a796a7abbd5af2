import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { idempotentIds, isValidIdempotencyKey, uuidV5 } from './deterministic-id.ts';

describe('idempotentIds', () => {
  it('gives the event at each index the same valid UUID on every retry', () => {
    const a = idempotentIds('acme', 'order-42');
    const b = idempotentIds('acme', 'order-42');
    expect([a(0), a(1)]).toEqual([b(0), b(1)]);
    expect(a(0)).not.toBe(a(1));
    expect(z.uuid().safeParse(a(0)).success).toBe(true);
    expect(a(0)[14]).toBe('5');
  });

  it('never gives two tenants or two keys the same ids', () => {
    expect(idempotentIds('acme', 'k')(0)).not.toBe(idempotentIds('zeta', 'k')(0));
    expect(idempotentIds('acme', 'k1')(0)).not.toBe(idempotentIds('acme', 'k2')(0));
  });

  it('matches the RFC 9562 v5 test vector for the DNS namespace', () => {
    const dns = Buffer.from('6ba7b8109dad11d180b400c04fd430c8', 'hex');
    expect(uuidV5('www.example.com', dns)).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('takes printable ASCII keys up to 255 characters', () => {
    expect(isValidIdempotencyKey('order-42:retry')).toBe(true);
    for (const bad of ['', 'a b', 'é', 'x'.repeat(256)]) expect(isValidIdempotencyKey(bad)).toBe(false);
  });
});
