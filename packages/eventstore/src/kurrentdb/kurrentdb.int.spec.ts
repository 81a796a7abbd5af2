import { describe } from 'vitest';
import { eventStoreContract } from '../contract/event-store.contract.ts';
import { KurrentDBEventStore } from './kurrentdb-event-store.ts';

/**
 * The same contract as PostgreSQL, against a KurrentDB server (25.1 or later: appendMany uses
 * multi-stream appends). There is none on the machines that run this suite by default, so it is
 * skipped unless KURRENTDB_URL is set; README.md ("Event store") says how to start one.
 */
const url = process.env.KURRENTDB_URL;

describe.skipIf(!url)('KurrentDB', () => {
  eventStoreContract(
    'KurrentDB',
    async ({ categoryMaxAge }) => {
      const store = KurrentDBEventStore.connect(url!, { categoryMaxAge });
      return { store, dispose: () => store.close() };
    },
    // KurrentDB has no index by event id across streams (see the adapter).
    { detectsIdInOtherStream: false },
  );
});
