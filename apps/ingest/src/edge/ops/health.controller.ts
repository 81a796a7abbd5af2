import { Controller, Get, Inject } from '@nestjs/common';
import { Readiness } from '../../adapters/readiness.ts';

@Controller()
export class HealthController {
  constructor(@Inject(Readiness) private readonly readiness: Readiness) {}

  /** Alive: the process answers. Says nothing about its dependencies (that is /readyz). */
  @Get('healthz')
  healthz() {
    return { status: 'ok' };
  }

  /** 200 when NATS and PostgreSQL answer, else 503 problem+json naming what is down. */
  @Get('readyz')
  readyz() {
    return this.readiness.check();
  }
}
