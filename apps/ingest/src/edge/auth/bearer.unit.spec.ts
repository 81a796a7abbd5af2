import { describe, expect, it } from 'vitest';
import { bearerToken } from './bearer.ts';

describe('bearerToken', () => {
  it('reads the token of a Bearer header, any case of the scheme', () => {
    expect(bearerToken('Bearer pk_acme_x')).toBe('pk_acme_x');
    expect(bearerToken('bearer  pk_acme_x ')).toBe('pk_acme_x');
  });

  it('finds none in other schemes or malformed headers', () => {
    for (const h of [undefined, '', 'Bearer', 'Basic abc', 'Bearer a b', 'pk_acme_x'])
      expect(bearerToken(h)).toBeUndefined();
  });
});
