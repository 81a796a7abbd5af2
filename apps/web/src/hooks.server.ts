import type { Handle } from '@sveltejs/kit';
import { localeCookie, pickLocale } from '$lib/i18n/i18n.svelte';

export const handle: Handle = async ({ event, resolve }) => {
  // The language the user chose (cookie) or, the first time, the one the browser asks for.
  event.locals.locale = pickLocale(
    event.cookies.get(localeCookie),
    event.request.headers.get('accept-language'),
  );
  return resolve(event, { transformPageChunk: ({ html }) => html.replace('%lang%', event.locals.locale) });
};
