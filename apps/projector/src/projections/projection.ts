import type { Sql } from 'postgres';
import type { RecordedEvent, ViewDelta } from '@pulse/events';

/** What one committed batch leaves for the runner to do: deltas to publish, events it had to skip. */
export interface CommittedBatch {
  position: number;
  deltas: ViewDelta[];
  invalid: { position: number; type: string; reason: string }[];
}

/**
 * A read model the runner keeps up to date. `commit` must apply the batch and move the
 * projection's checkpoint from `from` to the batch's last position in one transaction.
 */
export interface Projection {
  name: string;
  commit(sql: Sql, batch: readonly RecordedEvent[], from: number): Promise<CommittedBatch>;
}
