import { z } from 'zod';
import { CommonSettings } from '@pulse/platform';

/** The web node's settings: the shared ones plus where it listens. Validated once at start. */
export const WebSettings = CommonSettings.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  // All interfaces by default, so a NOC wall screen on another machine can reach the board.
  HOST: z.string().min(1).default('0.0.0.0'),
});

export type WebSettings = z.infer<typeof WebSettings>;
