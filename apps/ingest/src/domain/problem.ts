import {
  UnknownWebhookSource,
  WebhookUnauthorized,
  Conflict,
  InvalidRequest,
  MachineTokenRefused,
  UnknownProvisioningSecret,
  Backpressure,
  BusUnavailable,
  CommitTimeout,
  InvalidIdempotencyKey,
  DependencyUnavailable,
  InvalidEvents,
  MalformedBody,
  MissingIngestKey,
  NotReady,
  TooManyEvents,
  UnknownIngestKey,
  type FieldError,
} from './errors.ts';

import { UnmappablePayload } from './webhooks/mapped-event.ts';

export const problemContentType = 'application/problem+json';

/** An RFC 9457 problem details object, with Pulse's `errors` extension for field errors. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

// Problem types are URNs: stable identifiers a client can switch on, not pages to fetch.
const typeUri = (slug: string) => `urn:pulse:problem:${slug}`;

const byStatus: Record<number, { slug: string; title: string }> = {
  400: { slug: 'bad-request', title: 'Bad request' },
  401: { slug: 'unauthorized', title: 'Unauthorized' },
  403: { slug: 'forbidden', title: 'Forbidden' },
  404: { slug: 'not-found', title: 'Not found' },
  405: { slug: 'method-not-allowed', title: 'Method not allowed' },
  409: { slug: 'conflict', title: 'Conflict' },
  413: { slug: 'content-too-large', title: 'Content too large' },
  415: { slug: 'unsupported-media-type', title: 'Unsupported media type' },
  422: { slug: 'invalid-events', title: 'Invalid events' },
  429: { slug: 'too-many-requests', title: 'Too many requests' },
  500: { slug: 'internal', title: 'Internal server error' },
  503: { slug: 'unavailable', title: 'Service unavailable' },
  504: { slug: 'commit-timeout', title: 'Not committed in time' },
};

function problem(status: number, detail: string, extra: Partial<Problem> = {}): Problem {
  const known = byStatus[status] ?? { slug: `http-${status}`, title: `HTTP ${status}` };
  return { type: typeUri(known.slug), title: known.title, status, detail, ...extra };
}

/** Maps an ingest error to its problem; `undefined` for errors this module does not know. */
export function problemForError(error: unknown): Problem | undefined {
  if (error instanceof MissingIngestKey || error instanceof UnknownIngestKey)
    return problem(401, error.message);
  if (error instanceof MalformedBody) {
    return problem(400, error.message, {
      type: typeUri('malformed-body'),
      title: 'Malformed body',
      ...errorsOf(error.errors),
    });
  }
  if (error instanceof TooManyEvents) {
    return problem(413, error.message, {
      type: typeUri('too-many-events'),
      title: 'Too many events',
      maxEvents: error.max,
    });
  }
  if (error instanceof InvalidEvents) return problem(422, error.message, { errors: error.errors });
  if (error instanceof UnknownProvisioningSecret) return problem(401, error.message);
  if (error instanceof WebhookUnauthorized) return problem(401, error.message, { type: typeUri('webhook-unauthorized') });
  if (error instanceof UnknownWebhookSource) return problem(404, error.message);
  if (error instanceof UnmappablePayload) {
    return problem(422, error.message, {
      type: typeUri('unmappable-payload'),
      title: 'Unmappable webhook payload',
      errors: error.errors.map((e) => ({ index: 0, ...e })),
    });
  }
  if (error instanceof MachineTokenRefused)
    return problem(401, error.message, { type: typeUri(`machine-token-${error.reason}`), reason: error.reason });
  if (error instanceof InvalidRequest)
    return problem(422, error.message, {
      type: typeUri('invalid-request'),
      title: 'Invalid request',
      errors: error.errors.map((e) => ({ index: 0, ...e })),
    });
  if (error instanceof Conflict) return problem(409, error.message);
  if (error instanceof InvalidIdempotencyKey)
    return problem(400, error.message, { type: typeUri('bad-idempotency-key'), title: 'Bad Idempotency-Key' });
  if (error instanceof CommitTimeout)
    return problem(504, error.message, { uncommitted: error.uncommitted, timeoutMs: error.timeoutMs });
  if (error instanceof Backpressure)
    return problem(429, error.message, { retryAfter: error.retryAfterS });
  if (error instanceof BusUnavailable)
    return problem(503, error.message, { type: typeUri('bus-unavailable') });
  if (error instanceof DependencyUnavailable)
    return problem(503, error.message, { dependency: error.dependency });
  if (error instanceof NotReady)
    return problem(503, error.message, { type: typeUri('not-ready'), title: 'Not ready', down: error.down });
  return undefined;
}

/**
 * Maps an HTTP error raised by the framework (routing, Fastify's content-type parsing and body
 * limit) to a problem, with a detail that tells the client what to send instead.
 */
export function problemForHttpError(
  status: number,
  message: string,
  code: string | undefined,
  limits: { bodyLimit: number },
): Problem {
  switch (code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problem(
        413,
        `the body is larger than the limit of ${limits.bodyLimit} bytes; send fewer events per request`,
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problem(
        415,
        'send application/json (one event or an array of events) or application/x-ndjson (one event per line)',
      );
  }
  if (status >= 500) return problem(status, 'the server failed to answer; it has logged why');
  return problem(status, message);
}

function errorsOf(errors: FieldError[]): { errors?: FieldError[] } {
  return errors.length > 0 ? { errors } : {};
}
