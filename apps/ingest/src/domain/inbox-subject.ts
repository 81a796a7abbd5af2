import { TenantId, type BusNames } from '@pulse/events';

/**
 * Splits an inbox subject `[<prefix>.]ops.in.<tenant>.<event type>` into its parts. The type
 * is dotted itself (`machine.heartbeat`), so it is everything after the tenant.
 */
export function inboxSubjectParts(
  subject: string,
  names: Pick<BusNames, 'inboxAll'>,
): { tenant: string; type: string } | undefined {
  const head = names.inboxAll.slice(0, -1); // `…ops.in.>` without the `>`
  if (!subject.startsWith(head)) return undefined;
  const rest = subject.slice(head.length);
  const dot = rest.indexOf('.');
  if (dot <= 0 || dot === rest.length - 1) return undefined;
  return { tenant: rest.slice(0, dot), type: rest.slice(dot + 1) };
}

/** The dead-letter subject's tenant: the subject's, when it is a real tenant id. */
export function deadLetterTenant(tenant: string | undefined): string {
  return tenant !== undefined && TenantId.safeParse(tenant).success ? tenant : 'unknown';
}
