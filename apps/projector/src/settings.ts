import { z } from 'zod';
import { CommonSettings } from '@pulse/platform';

const number = () => z.coerce.number({ error: 'must be a number' });
const seconds = number().positive('must be a positive number of seconds');
const millis = number().int('must be whole milliseconds');

/** Every projector setting, validated at start; a bad one stops the process naming it. */
export const ProjectorSettings = CommonSettings.extend({
  /** Most events read and committed per transaction. */
  PROJECTOR_BATCH: number().int('must be a whole number').min(1).max(10_000).default(1000),
  /** Fallback poll when caught up and no NOTIFY arrives. */
  PROJECTOR_POLL_MS: millis.min(10).max(60_000).default(1000),
  /** Silence after which an online machine is marked offline. */
  PULSE_OFFLINE_AFTER_S: seconds.default(90),
  /** Silence after which a machine is marked overdue (more serious; later than offline). */
  PULSE_OVERDUE_AFTER_S: seconds.default(300),
  /** How often the heartbeat-absence process manager looks for silent machines. */
  PROJECTOR_ABSENCE_CHECK_MS: millis.min(50).max(600_000).default(5000),
}).refine((s) => s.PULSE_OVERDUE_AFTER_S > s.PULSE_OFFLINE_AFTER_S, {
  path: ['PULSE_OVERDUE_AFTER_S'],
  message: 'must be greater than PULSE_OFFLINE_AFTER_S (a machine goes offline first, overdue later)',
});

export type ProjectorSettings = z.infer<typeof ProjectorSettings>;
