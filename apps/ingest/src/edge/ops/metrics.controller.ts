import { Controller, Get, Header, Inject } from '@nestjs/common';
import { Registry } from 'prom-client';
import { IngestMetrics } from '../../adapters/metrics.ts';

@Controller('metrics')
export class MetricsController {
  constructor(@Inject(IngestMetrics) private readonly metrics: IngestMetrics) {}

  @Get()
  @Header('Content-Type', Registry.PROMETHEUS_CONTENT_TYPE)
  metricsText(): Promise<string> {
    return this.metrics.render();
  }
}
