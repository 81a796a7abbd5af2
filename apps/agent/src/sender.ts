/**
 * The HTTP sender shared by the agent and the simulator: POST /v1/events with the tenant's ingest
 * key, retrying the very same events (same ids, so the edge stores them once) while ingest is down,
 * overloaded (429) or failing (5xx). Any other 4xx is the client's mistake and is not retried.
 */
import pRetry, { AbortError } from 'p-retry';
import type { EventData, EventType } from '@pulse/events';

/** One event as a client sends it (DESIGN.md, "What a client sends"). */
export type OutgoingEvent = {
  [T in EventType]: { id: string; type: T; occurredAt: string; source: string; data: EventData<T> };
}[EventType];

/** An RFC 9457 problem document; ingest may add members such as a list of validation errors. */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  [member: string]: unknown;
}

/** Ingest answered with a 4xx other than 429: sending the same request again cannot succeed. */
export class IngestRejectedError extends Error {
  override name = 'IngestRejectedError';
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(describeProblem(status, problem));
  }
}

/** Ingest could not be reached or answered 429/5xx: worth retrying later. */
export class IngestUnavailableError extends Error {
  override name = 'IngestUnavailableError';
  constructor(
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

export interface RetryPolicy {
  /** Retries after the first attempt. With `forever`, the last backoff step repeats without end. */
  retries: number;
  minTimeoutMs: number;
  maxTimeoutMs: number;
  forever?: boolean;
}

/** Heartbeats go stale, so a few quick retries are enough; the next heartbeat supersedes a lost one. */
export const defaultRetry: RetryPolicy = { retries: 5, minTimeoutMs: 500, maxTimeoutMs: 15_000 };

/** For what must get through (registration): keep trying, at most every 30 s, until aborted. */
export const persistentRetry: RetryPolicy = {
  retries: 8,
  minTimeoutMs: 500,
  maxTimeoutMs: 30_000,
  forever: true,
};

export interface FailedAttempt {
  /** The attempt that just failed, starting at 1. */
  attempt: number;
  /** False when this was the last attempt and the send is about to fail. */
  willRetry: boolean;
  events: number;
  error: IngestUnavailableError;
}

export interface SenderOptions {
  /** Base URL of ingest, e.g. http://localhost:8080. */
  url: string;
  key: string;
  userAgent?: string;
  retry?: RetryPolicy;
  /** One attempt that takes longer than this is abandoned and retried. */
  requestTimeoutMs?: number;
  onAttemptFailed?: (notice: FailedAttempt) => void;
}

export interface SendOptions {
  signal?: AbortSignal;
  retry?: RetryPolicy;
}

export interface SendResult {
  accepted: number;
  ids: string[];
  attempts: number;
}

export interface Sender {
  /** Sends one event, or many in one request; resolves once ingest has answered 2xx. */
  send(events: OutgoingEvent | readonly OutgoingEvent[], options?: SendOptions): Promise<SendResult>;
}

export function createSender(options: SenderOptions): Sender {
  const endpoint = new URL('v1/events', options.url.endsWith('/') ? options.url : `${options.url}/`).href;
  const headers = {
    authorization: `Bearer ${options.key}`,
    'content-type': 'application/json',
    accept: 'application/json, application/problem+json',
    ...(options.userAgent && { 'user-agent': options.userAgent }),
  };
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;

  async function attempt(
    body: string,
    count: number,
    signal: AbortSignal | undefined,
  ): Promise<Omit<SendResult, 'attempts'>> {
    const timeout = AbortSignal.timeout(requestTimeoutMs);
    let res: Response;
    try {
      res = await fetch(endpoint, {
        method: 'POST',
        headers,
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
    } catch (err) {
      if (signal?.aborted)
        throw new AbortError(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      if (timeout.aborted) throw new IngestUnavailableError(`no answer within ${requestTimeoutMs} ms`);
      throw new IngestUnavailableError(`unreachable: ${networkCause(err)}`);
    }
    const text = await res.text().catch(() => '');
    if (res.ok) {
      const answer = parseJson(text) as Partial<SendResult> | undefined;
      return { accepted: answer?.accepted ?? count, ids: answer?.ids ?? [] };
    }
    const problem = parseJson(text) as Problem | undefined;
    if (res.status === 429 || res.status >= 500) {
      throw new IngestUnavailableError(
        describeProblem(res.status, problem),
        res.status,
        retryAfterMs(res.headers.get('retry-after')),
      );
    }
    throw new AbortError(new IngestRejectedError(res.status, problem));
  }

  return {
    async send(events, sendOptions = {}) {
      const count = Array.isArray(events) ? events.length : 1;
      const body = JSON.stringify(events);
      const policy = sendOptions.retry ?? options.retry ?? defaultRetry;
      const { signal } = sendOptions;
      let attempts = 0;
      const result = await pRetry(
        () => {
          attempts += 1;
          return attempt(body, count, signal);
        },
        {
          retries: policy.retries,
          forever: policy.forever ?? false,
          factor: 2,
          minTimeout: policy.minTimeoutMs,
          maxTimeout: policy.maxTimeoutMs,
          // Jitter: each delay is scaled by a random factor in [1, 2), so a fleet that lost ingest
          // at the same moment does not come back at the same moment.
          randomize: true,
          ...(signal && { signal }),
          shouldRetry: () => !signal?.aborted,
          onFailedAttempt: async (error) => {
            const unavailable: IngestUnavailableError =
              error instanceof IngestUnavailableError ? error : new IngestUnavailableError(error.message);
            const willRetry = Boolean(policy.forever) || error.retriesLeft > 0;
            options.onAttemptFailed?.({
              attempt: error.attemptNumber,
              willRetry,
              events: count,
              error: unavailable,
            });
            // Honour Retry-After on top of the backoff, but never wait longer than the policy's ceiling.
            if (willRetry && unavailable.retryAfterMs)
              await delay(Math.min(unavailable.retryAfterMs, policy.maxTimeoutMs), signal);
          },
        },
      );
      return { ...result, attempts };
    },
  };
}

/** One line a person can act on, e.g. `400 Invalid event: data.cpuPct: Too big: expected number to be <=100`. */
export function describeProblem(status: number, problem: Problem | undefined): string {
  const head = [status, problem?.title].filter(Boolean).join(' ');
  const detail = problem?.detail ? `: ${problem.detail}` : '';
  const list = problem?.errors ?? problem?.issues;
  const items = Array.isArray(list)
    ? list.slice(0, 5).map((i: unknown) => {
        const it = i as { path?: unknown; pointer?: unknown; message?: unknown; detail?: unknown };
        const where = it.path ?? it.pointer;
        const what = it.message ?? it.detail;
        return typeof what === 'string'
          ? where !== undefined
            ? `${String(where)}: ${what}`
            : what
          : JSON.stringify(i);
      })
    : [];
  const more =
    Array.isArray(list) && list.length > items.length ? ` (+${list.length - items.length} more)` : '';
  return `${head}${detail}${items.length ? ` [${items.join('; ')}]${more}` : ''}`;
}

/** Retry-After is either seconds or an HTTP date. */
export function retryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkCause(err: unknown): string {
  // undici reports "fetch failed" and keeps the useful part (ECONNREFUSED 127.0.0.1:8080) in `cause`.
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  if (!(cause instanceof Error)) return String(cause);
  // An AggregateError (every address of "localhost" refused) has no message of its own, only a code.
  return cause.message || ('code' in cause ? String(cause.code) : cause.name);
}

function parseJson(text: string): unknown {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

function delay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}
