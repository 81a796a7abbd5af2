/**
 * A rebuild lane in a worker thread (the machine's other core): its own connections, the same
 * replay as the main thread's lane (replay-lane.ts). See startLaneWorker in rebuild.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { PostgresEventStore } from '@pulse/eventstore';
import { createSql } from '@pulse/platform';
import { readModel } from '../projections/read-models.ts';
import { replayLane } from './replay-lane.ts';

export interface LaneWorkerData {
  databaseUrl: string;
  projections: string[];
  funnelSteps: [string, string[]][];
  head: number;
  batchSize: number;
  flushEvery: number;
}

export type LaneMessage =
  { kind: 'progress'; events: number; position: number } | { kind: 'done'; events: number; position: number };

const d = workerData as LaneWorkerData;
const sql = createSql(d.databaseUrl, { max: 3, name: 'pulse-rebuild-lane' });
try {
  const post = (m: LaneMessage) => parentPort!.postMessage(m);
  const result = await replayLane({
    sql,
    store: new PostgresEventStore(sql),
    projections: d.projections.map((n) => readModel(n)!),
    ctx: { funnelSteps: new Map(d.funnelSteps) },
    head: d.head,
    batchSize: d.batchSize,
    flushEvery: d.flushEvery,
    onProgress: (p) => post({ kind: 'progress', ...p }),
  });
  post({ kind: 'done', ...result });
} finally {
  await sql.end({ timeout: 5 });
}
