import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PinoNestLogger } from '../adapters/nest-logger.ts';
import { useEventBodyParsers } from './body-parsers.ts';
import { EdgeModule, type EdgeDeps } from './edge.module.ts';
import { ProblemFilter } from './problem.filter.ts';

/** Builds the Nest application on Fastify, not yet listening. */
export async function createHttpServer(deps: EdgeDeps): Promise<NestFastifyApplication> {
  const bodyLimit = deps.settings.INGEST_BODY_LIMIT;
  const adapter = new FastifyAdapter({ bodyLimit, logger: false });
  const app = await NestFactory.create<NestFastifyApplication>(EdgeModule.register(deps), adapter, {
    // Our own parsers (body-parsers.ts) replace Nest's and Fastify's.
    bodyParser: false,
    logger: new PinoNestLogger(deps.log.child({ component: 'nest' })),
    abortOnError: false,
  });
  useEventBodyParsers(app.getHttpAdapter().getInstance(), bodyLimit);
  app.useGlobalFilters(new ProblemFilter(deps.log, deps.metrics, { bodyLimit }));
  return app;
}
