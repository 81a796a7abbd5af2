import { describe, expect, it } from 'vitest';
import {
  BusUnavailable,
  InvalidEvents,
  MalformedBody,
  MissingIngestKey,
  NotReady,
  TooManyEvents,
  UnknownIngestKey,
} from './errors.ts';
import { problemForError, problemForHttpError } from './problem.ts';

const limits = { bodyLimit: 1024 };

describe('problemForError', () => {
  it('maps each ingest error to its status', () => {
    expect(problemForError(new MissingIngestKey())?.status).toBe(401);
    expect(problemForError(new UnknownIngestKey())?.status).toBe(401);
    expect(problemForError(new MalformedBody('bad'))?.status).toBe(400);
    expect(problemForError(new TooManyEvents(6000, 5000))).toMatchObject({ status: 413, maxEvents: 5000 });
    expect(problemForError(new BusUnavailable('timeout'))?.status).toBe(503);
    expect(problemForError(new Error('x'))).toBeUndefined();
  });

  it('carries field errors of invalid events as the errors extension', () => {
    const errors = [{ index: 3, path: 'data.cpuPct', message: 'too big' }];
    expect(problemForError(new InvalidEvents(1, errors))).toEqual({
      type: 'urn:pulse:problem:invalid-events',
      title: 'Invalid events',
      status: 422,
      detail: '1 event is invalid; nothing was accepted',
      errors,
    });
  });

  it('names what is down when not ready', () => {
    expect(problemForError(new NotReady({ postgres: 'is down (refused)' }))).toMatchObject({
      status: 503,
      down: { postgres: 'is down (refused)' },
      detail: 'not ready: postgres is down (refused)',
    });
  });
});

describe('problemForHttpError', () => {
  it('explains Fastify’s body limit and media type errors', () => {
    expect(
      problemForHttpError(413, 'Request body is too large', 'FST_ERR_CTP_BODY_TOO_LARGE', limits),
    ).toMatchObject({
      status: 413,
      detail: expect.stringContaining('1024 bytes'),
    });
    expect(
      problemForHttpError(415, 'Unsupported Media Type', 'FST_ERR_CTP_INVALID_MEDIA_TYPE', limits).detail,
    ).toMatch(/application\/x-ndjson/);
  });

  it('keeps the message of a client error and hides that of a server error', () => {
    expect(problemForHttpError(404, 'Cannot GET /x', undefined, limits)).toMatchObject({
      title: 'Not found',
      detail: 'Cannot GET /x',
    });
    expect(problemForHttpError(500, 'secret stack', undefined, limits).detail).not.toMatch(/secret/);
  });
});
