import { describe, expect, it } from 'vitest';
import { MalformedBody } from './errors.ts';
import { parseBody } from './parse-body.ts';

const json = (text: string) => ({ mediaType: 'application/json' as const, text });
const ndjson = (text: string) => ({ mediaType: 'application/x-ndjson' as const, text });

describe('parseBody', () => {
  it('takes one JSON object as one event and an array as many', () => {
    expect(parseBody(json('{"type":"a"}'))).toEqual([{ type: 'a' }]);
    expect(parseBody(json('[{"type":"a"},{"type":"b"}]'))).toEqual([{ type: 'a' }, { type: 'b' }]);
  });

  it('refuses a missing or blank body, bad JSON and JSON that is no object', () => {
    expect(() => parseBody(undefined)).toThrow(MalformedBody);
    expect(() => parseBody(json('  \n'))).toThrow(/no body/);
    expect(() => parseBody(json('{"type":'))).toThrow(/not valid JSON/);
    expect(() => parseBody(json('42'))).toThrow(/one event object or an array/);
    expect(() => parseBody(json('null'))).toThrow(MalformedBody);
  });

  it('splits NDJSON into one event per line, skipping blank lines and CRLF endings', () => {
    expect(parseBody(ndjson('{"n":1}\r\n\n{"n":2}\n'))).toEqual([{ n: 1 }, { n: 2 }]);
  });

  it('names the line and the event index of a bad NDJSON line', () => {
    const err = (() => {
      try {
        parseBody(ndjson('{"n":1}\n\n{"n":\n{"n":3}'));
      } catch (e) {
        return e;
      }
    })() as MalformedBody;
    expect(err).toBeInstanceOf(MalformedBody);
    expect(err.message).toMatch(/^line 3 \(event 1\) is not valid JSON/);
    expect(err.errors).toEqual([
      { index: 1, path: '(root)', message: expect.stringMatching(/not valid JSON/) },
    ]);
  });
});
