import { error } from '@sveltejs/kit';
import { TenantId } from '@pulse/events';
import type { LayoutServerLoad } from './$types';

// Until login exists, the tenant comes from `?tenant=` (default `demo`) and is only validated.
export const load: LayoutServerLoad = ({ url, locals }) => {
  const tenant = TenantId.safeParse(url.searchParams.get('tenant') ?? 'demo');
  if (!tenant.success) error(400, `Unknown tenant: ${tenant.error.issues[0]?.message ?? 'invalid'}`);
  return { tenant: tenant.data, locale: locals.locale, wall: url.searchParams.has('wall') };
};
