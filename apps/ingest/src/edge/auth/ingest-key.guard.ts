import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { MissingIngestKey, UnknownIngestKey } from '../../domain/errors.ts';
import { bearerToken } from './bearer.ts';
import { IngestKeys } from './ingest-keys.ts';

/** Where the guard leaves the tenant for `@IngestTenant()`. */
export const tenantSymbol = Symbol('tenant');
export type AuthenticatedRequest = FastifyRequest & { [tenantSymbol]?: string };

/** Checks the ingest key first: the tenant comes from the key, never from the body. */
@Injectable()
export class IngestKeyGuard implements CanActivate {
  constructor(@Inject(IngestKeys) private readonly keys: IngestKeys) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const key = bearerToken(request.headers.authorization);
    if (!key) throw new MissingIngestKey();
    const tenant = await this.keys.tenantFor(key);
    if (!tenant) throw new UnknownIngestKey();
    request[tenantSymbol] = tenant;
    return true;
  }
}
