import { Controller, Get } from '@nestjs/common';
import { openApiDocument } from './openapi.ts';

@Controller('docs')
export class DocsController {
  private readonly document = openApiDocument();

  /** The OpenAPI 3.1 document of the ingest API (also at /docs/openapi.json). */
  @Get()
  docs() {
    return this.document;
  }

  @Get('openapi.json')
  json() {
    return this.document;
  }
}
