import { randomBytes } from 'node:crypto';
import { busNames, type BusNames } from '@pulse/events';
import { connectNats, deleteBus, provisionBus, type NatsConnection } from '@pulse/platform';

export interface TestBus {
  url: string;
  prefix: string;
  names: BusNames;
  nc: NatsConnection;
  drop: () => Promise<void>;
}

/** A NATS subject/stream prefix of its own, provisioned, and removed again by `drop`. */
export async function createTestBus(): Promise<TestBus> {
  const url = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
  const prefix = `t${randomBytes(4).toString('hex')}`;
  const names = busNames(prefix);
  const nc = await connectNats(url, 'pulse-test');
  await provisionBus(nc, names);
  return {
    url,
    prefix,
    names,
    nc,
    drop: async () => {
      await deleteBus(nc, names);
      await nc.drain();
    },
  };
}
