/** What other processes (scripts/start.ts, load tests) use from the agent package. */
export {
  startSimulator,
  SimulatorSettings,
  type Simulator,
  type SimulatorOptions,
  type SimulatorStats,
} from './simulator.ts';
export {
  createSender,
  defaultRetry,
  persistentRetry,
  IngestRejectedError,
  IngestUnavailableError,
  type OutgoingEvent,
  type Sender,
  type SenderOptions,
  type RetryPolicy,
} from './sender.ts';
export type { Log } from './log.ts';
