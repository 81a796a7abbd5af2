import { Body, Controller, Headers, HttpCode, Inject, Param, Post } from '@nestjs/common';
import type { RawBody } from '../../domain/raw-body.ts';
import { WebhooksService, type WebhookAccepted } from './webhooks.service.ts';

@Controller('v1/webhooks')
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  /** 202: the mapped events are in JetStream. */
  @Post(':source/:tenant')
  @HttpCode(202)
  receive(
    @Param('source') source: string,
    @Param('tenant') tenant: string,
    @Headers() headers: Record<string, string | string[] | undefined>,
    @Body() body: RawBody | undefined,
  ): Promise<WebhookAccepted> {
    return this.webhooks.receive(source, tenant, headers, body);
  }
}
