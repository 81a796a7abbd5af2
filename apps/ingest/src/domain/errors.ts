/**
 * Typed errors of the ingest path. Each one knows nothing about HTTP; `problem.ts` maps them to
 * RFC 9457 problems in one place.
 */

/** One field of one event that failed validation; `index` is the event's place in the request. */
export interface FieldError {
  index: number;
  path: string;
  message: string;
}

export class MissingIngestKey extends Error {
  override name = 'MissingIngestKey';
  constructor() {
    super('send the tenant ingest key as "Authorization: Bearer <key>"');
  }
}

export class UnknownIngestKey extends Error {
  override name = 'UnknownIngestKey';
  constructor() {
    super('the ingest key is unknown or revoked');
  }
}

export class MalformedBody extends Error {
  override name = 'MalformedBody';
  constructor(
    detail: string,
    readonly errors: FieldError[] = [],
  ) {
    super(detail);
  }
}

export class TooManyEvents extends Error {
  override name = 'TooManyEvents';
  constructor(
    readonly count: number,
    readonly max: number,
  ) {
    super(`a request may carry at most ${max} events; this one has ${count}`);
  }
}

export class InvalidEvents extends Error {
  override name = 'InvalidEvents';
  constructor(
    /** How many events of the request are invalid (errors may be truncated). */
    readonly invalidCount: number,
    readonly errors: FieldError[],
    /** How many events the request held. */
    readonly total = invalidCount,
  ) {
    super(
      invalidCount === 0
        ? 'the request holds no events'
        : `${invalidCount} event${invalidCount === 1 ? ' is' : 's are'} invalid; nothing was accepted`,
    );
  }
}

/** JetStream did not confirm a publish; the client should retry with the same event ids. */
export class BusUnavailable extends Error {
  override name = 'BusUnavailable';
  constructor(readonly reason: string) {
    super(`the event bus did not confirm the events (${reason}); retry with the same event ids`);
  }
}

/** A dependency the edge needs to answer (e.g. the key lookup) is down. */
export class DependencyUnavailable extends Error {
  override name = 'DependencyUnavailable';
  constructor(
    readonly dependency: string,
    readonly reason: string,
  ) {
    super(`${dependency} is unavailable: ${reason}`);
  }
}

export class NotReady extends Error {
  override name = 'NotReady';
  constructor(readonly down: Record<string, string>) {
    super(
      `not ready: ${Object.entries(down)
        .map(([name, why]) => `${name} ${why}`)
        .join('; ')}`,
    );
  }
}

/**
 * `?wait=commit` ran out of time. The events are accepted (JetStream holds them) and will be
 * committed; a retry of the same request (same ids) answers with their positions.
 */
export class CommitTimeout extends Error {
  override name = 'CommitTimeout';
  constructor(
    readonly timeoutMs: number,
    readonly uncommitted: number,
  ) {
    super(
      `the events are accepted (JetStream stored them) but ${uncommitted} were not committed to the event store within ${timeoutMs} ms; retry the same request to get their positions`,
    );
  }
}

export class InvalidIdempotencyKey extends Error {
  override name = 'InvalidIdempotencyKey';
  constructor() {
    super('the Idempotency-Key header must be 1–255 printable ASCII characters');
  }
}

/** The inbox consumer lags too far behind: the edge sheds load until the recorder catches up. */
export class Backpressure extends Error {
  override name = 'Backpressure';
  constructor(
    readonly retryAfterS: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

export class UnknownProvisioningSecret extends Error {
  override name = 'UnknownProvisioningSecret';
  constructor() {
    super('send the tenant provisioning secret as "Authorization: Bearer <secret>"; this one is missing, unknown or revoked');
  }
}

/** A machine token that cannot be used, and why: `unknown`, `expired` or `revoked`. */
export class MachineTokenRefused extends Error {
  override name = 'MachineTokenRefused';
  constructor(readonly reason: 'missing' | 'unknown' | 'expired' | 'revoked') {
    super(
      {
        missing: 'send the machine token as "Authorization: Bearer <token>"',
        unknown: 'the machine token is unknown',
        expired: 'the machine token has expired; register the machine again',
        revoked: 'the machine token was revoked or replaced by a newer one; register the machine again',
      }[reason],
    );
  }
}

/** A request body (other than an event batch) that fails its schema. */
export class InvalidRequest extends Error {
  override name = 'InvalidRequest';
  constructor(
    detail: string,
    readonly errors: { path: string; message: string }[] = [],
  ) {
    super(detail);
  }
}

/** The request clashes with what is stored (e.g. a machine id held by another fingerprint). */
export class Conflict extends Error {
  override name = 'Conflict';
}

export class UnknownWebhookSource extends Error {
  override name = 'UnknownWebhookSource';
  constructor(source: string) {
    super(`no webhook "${source}"; use tacticalrmm, wazuh, fleet, onboarding or generic`);
  }
}

/** A webhook without a valid secret or signature. The message never quotes what was sent. */
export class WebhookUnauthorized extends Error {
  override name = 'WebhookUnauthorized';
}
