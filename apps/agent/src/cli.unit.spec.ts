import { describe, expect, it } from 'vitest';
import { AgentArgs } from './agent.ts';
import { parseCommandLine, UsageError } from './cli.ts';

const flags = {
  url: { type: 'string' },
  key: { type: 'string' },
  interval: { type: 'string' },
  'machine-id': { type: 'string' },
  once: { type: 'boolean' },
} as const;

const parse = (...argv: string[]) => parseCommandLine(argv, flags, AgentArgs);

describe('agent command line', () => {
  it('fills in the defaults', () => {
    expect(parse('--url', 'http://localhost:8080', '--key', 'k')).toEqual({
      url: 'http://localhost:8080',
      key: 'k',
      interval: 10,
      once: false,
    });
  });

  it('names every bad flag in one message', () => {
    const err = captureError(() =>
      parse('--url', 'localhost:8080', '--interval', 'often', '--machine-id', 'has space'),
    );
    expect(err).toBeInstanceOf(UsageError);
    const message = (err as UsageError).message;
    expect(message).toContain('--url: must be an http(s) URL');
    expect(message).toContain('--key: is required');
    expect(message).toContain('--interval: must be a number');
    expect(message).toContain('--machine-id:');
  });

  it('turns an unknown flag into a usage error and --help into undefined', () => {
    expect(() => parse('--bogus')).toThrow(UsageError);
    expect(parse('--help')).toBeUndefined();
  });
});

function captureError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
