import type { ExpectedVersion } from '../port.ts';

/** Whether a stream at version `actual` (-1: no stream) meets the expectation. */
export function versionMatches(expected: ExpectedVersion, actual: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return actual === -1;
    case 'stream_exists':
      return actual >= 0;
    default:
      return expected === actual;
  }
}
