import { describe, expect, it } from 'vitest';
import { describeProblem, retryAfterMs } from './sender.ts';

describe('a problem document as one log line', () => {
  it('names the status, title, detail and the first validation errors', () => {
    const problem = {
      title: 'Invalid event',
      status: 400,
      detail: '2 problems in event 0',
      errors: [
        { path: 'data.cpuPct', message: 'Too big' },
        { pointer: '/data/os', detail: 'Required' },
      ],
    };
    expect(describeProblem(400, problem)).toBe(
      '400 Invalid event: 2 problems in event 0 [data.cpuPct: Too big; /data/os: Required]',
    );
  });

  it('still says something without a body', () => {
    expect(describeProblem(502, undefined)).toBe('502');
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 25 Nov 2026 12:00:10 GMT', Date.parse('2026-11-25T12:00:00Z'))).toBe(10_000);
    expect(retryAfterMs(null)).toBeUndefined();
    expect(retryAfterMs('soon')).toBeUndefined();
  });
});
