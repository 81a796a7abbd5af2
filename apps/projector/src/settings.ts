import { z } from 'zod';
import { CommonSettings } from '@pulse/platform';

const number = () => z.coerce.number({ error: 'must be a number' });
const seconds = number().positive('must be a positive number of seconds');
const millis = number().int('must be whole milliseconds');

/** Every projector setting, validated at start; a bad one stops the process naming it. */
export const ProjectorSettings = CommonSettings.extend({
  /**
   * Most events read and committed per transaction. Live batches stay small (what arrived since the
   * last one); behind the head a runner starts at 1,000 and doubles while it stays behind, up to
   * this: large batches fold many events of a row into one write, and at 20,000 heartbeats/s beside
   * ingest 5,000 kept up where 1,000 fell ~70,000 events behind in 10 s (BENCHMARKS.md, Ingest).
   * A delta too large for one NATS message goes out in parts (DeltaPart).
   */
  PROJECTOR_BATCH: number().int('must be a whole number').min(1).max(10_000).default(5000),
  /**
   * CPU priority (nice, 0-19) the projector lowers itself to. Its work waits in the event store
   * while the edges' answers are what clients wait for: on a host shared with ingest edges, 5 keeps
   * their p99 down under overload. Run as a service (a session of its own), it did not cost live
   * lag at 5,000 events/s (BENCHMARKS.md, Ingest); 0 puts it level with the edges.
   */
  PROJECTOR_NICE: number().int('must be a whole number').min(0).max(19).default(5),
  /** Fallback poll when caught up and no NOTIFY arrives. */
  PROJECTOR_POLL_MS: millis.min(10).max(60_000).default(1000),
  /** Silence after which an online machine is marked offline. */
  PULSE_OFFLINE_AFTER_S: seconds.default(90),
  /** Silence after which a machine is marked overdue (more serious; later than offline). */
  PULSE_OVERDUE_AFTER_S: seconds.default(300),
  /** How often the heartbeat-absence process manager looks for silent machines. */
  PROJECTOR_ABSENCE_CHECK_MS: millis.min(50).max(600_000).default(5000),
  /** How long an alert may stay unacknowledged before it escalates (tenant default; per tenant in projector_tenant_settings). */
  PULSE_ESCALATION_AFTER_S: seconds.default(900),
  /** How long an onboarding journey may stay idle before it counts as abandoned. */
  PULSE_ONBOARDING_IDLE_S: seconds.default(3 * 24 * 3600),
  /** How often due process-manager timers are looked for (escalation, SLA, onboarding idleness). */
  PROJECTOR_TIMER_CHECK_MS: millis.min(50).max(600_000).default(1000),
  /** How often lag is measured and sent to the board. */
  PROJECTOR_LAG_INTERVAL_MS: millis.min(100).max(600_000).default(1000),
  /** GET /metrics, /healthz, /readyz; 0 picks a free port (tests). */
  PROJECTOR_METRICS_PORT: number().int('must be a port number').min(0).max(65_535).default(9464),
  /** Retention of the 1-minute telemetry rollups, in hours, and of the 1-hour ones, in days. */
  PULSE_TELEMETRY_1M_RETENTION_H: seconds.default(48),
  PULSE_TELEMETRY_1H_RETENTION_D: seconds.default(90),
  /** Diagnosis: write each batch's read/apply/commit/publish times (JSON lines) here on shutdown. */
  PROJECTOR_TRACE_FILE: z.string().min(1).optional(),
}).refine((s) => s.PULSE_OVERDUE_AFTER_S > s.PULSE_OFFLINE_AFTER_S, {
  path: ['PULSE_OVERDUE_AFTER_S'],
  message: 'must be greater than PULSE_OFFLINE_AFTER_S (a machine goes offline first, overdue later)',
});

export type ProjectorSettings = z.infer<typeof ProjectorSettings>;
