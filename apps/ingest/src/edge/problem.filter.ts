import { Catch, HttpException, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from '@pulse/platform';
import type { IngestMetrics, RejectReason } from '../adapters/metrics.ts';
import { BusUnavailable, InvalidEvents, TooManyEvents } from '../domain/errors.ts';
import { problemContentType, problemForError, problemForHttpError, type Problem } from '../domain/problem.ts';

/**
 * The one place errors become HTTP answers: every error is an RFC 9457 problem+json. Nest also
 * routes Fastify's own errors here (content-type parsing, body limit, unknown routes), so those
 * come out as problems too.
 */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  constructor(
    private readonly log: Logger,
    private readonly metrics: IngestMetrics,
    private readonly limits: { bodyLimit: number },
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const problem = this.toProblem(exception);
    if (problem.status >= 500 && problem.status !== 503) {
      this.log.error({ err: exception, method: request.method, url: request.url }, 'request failed');
    }
    if (request.method === 'POST') this.countRejection(exception, problem);
    if (reply.sent) return;
    if (problem.status === 401) reply.header('WWW-Authenticate', 'Bearer realm="pulse-ingest"');
    if (problem.status === 503) reply.header('Retry-After', '1');
    if (problem.status === 429) reply.header('Retry-After', String(problem.retryAfter ?? 1));
    void reply
      .status(problem.status)
      .header('Content-Type', problemContentType)
      .send(JSON.stringify(problem));
  }

  private toProblem(exception: unknown): Problem {
    const known = problemForError(exception);
    if (known) return known;
    if (exception instanceof HttpException) {
      const code = (exception.cause as { code?: unknown } | undefined)?.code;
      return problemForHttpError(
        exception.getStatus(),
        exception.message,
        typeof code === 'string' ? code : undefined,
        this.limits,
      );
    }
    return problemForHttpError(500, 'internal error', undefined, this.limits);
  }

  private countRejection(exception: unknown, problem: Problem): void {
    const reason = rejectReasons[problem.status];
    if (!reason || (problem.status === 503 && !(exception instanceof BusUnavailable))) return;
    const events =
      exception instanceof InvalidEvents
        ? exception.total
        : exception instanceof TooManyEvents
          ? exception.count
          : 1;
    this.metrics.eventsRejected.inc({ reason }, events);
  }
}

const rejectReasons: Record<number, RejectReason> = {
  400: 'malformed',
  401: 'unauthorized',
  413: 'too_large',
  415: 'unsupported_media_type',
  422: 'invalid',
  429: 'throttled',
  503: 'unavailable',
};
