/** The media types `POST /v1/events` takes. */
export const jsonMediaType = 'application/json';
export const ndjsonMediaType = 'application/x-ndjson';
export type EventsMediaType = typeof jsonMediaType | typeof ndjsonMediaType;

/**
 * A request body as the edge received it: the text, not yet parsed, so that a syntax error
 * becomes our own problem (with a line number) instead of a framework error.
 */
export interface RawBody {
  mediaType: EventsMediaType;
  text: string;
}
