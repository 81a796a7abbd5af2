import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import { tenantSymbol, type AuthenticatedRequest } from './ingest-key.guard.ts';

/** The tenant of the request's ingest key (set by IngestKeyGuard). */
export const IngestTenant = createParamDecorator((_: unknown, context: ExecutionContext): string => {
  const tenant = context.switchToHttp().getRequest<AuthenticatedRequest>()[tenantSymbol];
  if (!tenant) throw new Error('IngestTenant used on a route without IngestKeyGuard');
  return tenant;
});
