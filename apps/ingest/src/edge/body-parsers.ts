import type { FastifyInstance } from 'fastify';
import { jsonMediaType, ndjsonMediaType, type EventsMediaType, type RawBody } from '../domain/raw-body.ts';

/**
 * Replaces Fastify's body parsers with two that keep the text as sent. Parsing happens in the
 * command handler, after the key check, so a syntax error becomes our own 400 problem with a
 * line number. Any other media type gets Fastify's 415, and a body over the limit its 413;
 * both reach the problem filter.
 */
export function useEventBodyParsers(fastify: FastifyInstance, bodyLimit: number): void {
  fastify.removeAllContentTypeParsers();
  for (const mediaType of [jsonMediaType, ndjsonMediaType] satisfies EventsMediaType[]) {
    fastify.addContentTypeParser(mediaType, { parseAs: 'string', bodyLimit }, (_request, text, done) => {
      const body: RawBody = { mediaType, text: text as string };
      done(null, body);
    });
  }
}
