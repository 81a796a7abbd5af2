import { z } from 'zod';
import { CommonSettings } from '@pulse/platform';

/** The web node's settings: the shared ones plus where it listens. Validated once at start. */
export const WebSettings = CommonSettings.extend({
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  // All interfaces by default, so a NOC wall screen on another machine can reach the board.
  HOST: z.string().min(1).default('0.0.0.0'),
  /** Bytes queued for one live client before it is dropped from its views to resync (8 MiB). */
  LIVE_MAX_BACKLOG_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(8 * 1024 * 1024),
});

export type WebSettings = z.infer<typeof WebSettings>;
