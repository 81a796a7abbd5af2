import { describe, expect, it } from 'vitest';
import {
  heartbeatEvent,
  machineEvent,
  recorded,
  registeredEvent,
  statusChangedEvent,
} from '../../../test/machine-events.ts';
import {
  evolve,
  rollupContribution,
  STALE_SIGNAL_AFTER_MS,
  toMachineView,
  type FleetRow,
} from './fleet.evolve.ts';
import { fleetKey, fold, prepareBatch, rollupChanges } from './fleet.fold.ts';
import { fleetDeltas } from './fleet.projection.ts';

const T0 = '2026-11-25T12:00:00.000Z';
const T1 = '2026-11-25T12:00:30.000Z';
const T2 = '2026-11-25T12:01:00.000Z';

const given = (...events: Parameters<typeof evolve>[1][]): FleetRow | undefined =>
  events.reduce(evolve, undefined);

const registered = (at = T0, position = 1, data = {}) =>
  recorded(registeredEvent('acme', 'web-01', at, data), position);
const heartbeat = (at: string, position: number, data = {}) =>
  recorded(heartbeatEvent('acme', 'web-01', at, data), position);
const statusChanged = (to: 'online' | 'offline' | 'overdue', position: number) =>
  recorded(statusChangedEvent('acme', 'web-01', T2, { from: 'online', to, lastSeenAt: T1 }), position);

describe('fleet evolve', () => {
  describe('given no row', () => {
    it('when the machine registers, then it has its identity, its enrolment date and no vitals yet, and is offline', () => {
      expect(given(registered())).toEqual({
        tenant: 'acme',
        machineId: 'web-01',
        hostname: 'web-01.example.net',
        os: 'Debian 12',
        agentVersion: '1.0.0',
        status: 'offline',
        lastSeenAt: T0,
        registeredAt: T0,
        cpuPct: null,
        memPct: null,
        diskPct: null,
        uptimeS: null,
        customer: null,
        site: null,
        ip: null,
        tags: [],
        load1: null,
        loggedInUser: null,
        metricsAt: null,
        signals: {},
        staleSignals: [],
        inventory: null,
        decommissionedAt: null,
        position: 1,
      });
    });

    it('when a heartbeat arrives first, then the machine is online with no enrolment date', () => {
      const row = given(heartbeat(T1, 5));
      expect(row).toMatchObject({
        status: 'online',
        lastSeenAt: T1,
        registeredAt: null,
        cpuPct: 21.5,
        uptimeS: 86_400,
        position: 5,
      });
    });

    it('when a status change arrives, then there is still no row', () => {
      expect(given(statusChanged('offline', 3))).toBeUndefined();
    });
  });

  describe('given a registered machine', () => {
    it('when it sends a heartbeat, then it is online with its vitals, last seen at the heartbeat time', () => {
      const row = given(
        registered(),
        heartbeat(T1, 2, { cpuPct: 90, memPct: 10, diskPct: 50, uptimeS: 7, agentVersion: '1.1.0' }),
      );
      expect(row).toMatchObject({
        status: 'online',
        lastSeenAt: T1,
        registeredAt: T0,
        cpuPct: 90,
        memPct: 10,
        diskPct: 50,
        uptimeS: 7,
        agentVersion: '1.1.0',
        position: 2,
      });
    });

    it('when it registers again, then it is renamed but keeps its first enrolment date', () => {
      const row = given(
        registered(T0, 1),
        registered(T2, 2, { hostname: 'renamed', agentVersion: undefined }),
      );
      expect(row).toMatchObject({
        hostname: 'renamed',
        agentVersion: '1.0.0',
        registeredAt: T0,
        position: 2,
      });
    });
  });

  describe('given an online machine', () => {
    it('when the process manager marks it offline, then only its status, its stale signals and position change', () => {
      const before = given(registered(), heartbeat(T1, 2))!;
      const after = evolve(before, statusChanged('offline', 3));
      expect(after).toEqual({ ...before, status: 'offline', staleSignals: ['agent'], position: 3 });
    });

    it('when a late heartbeat is recorded, then its vitals count but last-seen does not move backwards', () => {
      const row = given(registered(), heartbeat(T2, 2, { uptimeS: 100 }), heartbeat(T1, 3, { uptimeS: 70 }));
      expect(row).toMatchObject({ lastSeenAt: T2, uptimeS: 70, position: 3 });
    });
  });

  describe('given an overdue machine', () => {
    it('when a heartbeat arrives, then it is back online', () => {
      const row = given(registered(), heartbeat(T0, 2), statusChanged('overdue', 3), heartbeat(T2, 4));
      expect(row).toMatchObject({ status: 'online', lastSeenAt: T2, position: 4 });
    });
  });
});

describe('fleet fold over a batch', () => {
  it('ignores types it does not know, reports invalid data, and lists each changed machine once', () => {
    const batch = [
      registered(T0, 1),
      { ...heartbeat(T1, 2), type: 'printer.jammed' },
      { ...heartbeat(T1, 3), data: { machineId: 'web-01', cpuPct: 500 } },
      heartbeat(T1, 4),
      recorded(heartbeatEvent('zeta', 'db-01', T1), 5),
    ];
    const prepared = prepareBatch(batch);
    expect(prepared.invalid).toEqual([
      { position: 3, type: 'machine.heartbeat', reason: expect.stringContaining('data.cpuPct') },
    ]);

    const { rows, changed } = fold(new Map(), prepared);
    expect(changed.map((r) => [r.tenant, r.machineId, r.position])).toEqual([
      ['acme', 'web-01', 4],
      ['zeta', 'db-01', 5],
    ]);
    expect(rows.get(fleetKey('acme', 'web-01'))?.status).toBe('online');
  });

  it('reads data the first PostgreSQL store wrote as a JSON string', () => {
    const event = heartbeat(T1, 2);
    const prepared = prepareBatch([{ ...event, data: JSON.stringify(event.data) as never }]);
    expect(prepared.invalid).toEqual([]);
    expect(fold(new Map(), prepared).changed).toMatchObject([{ machineId: 'web-01', status: 'online' }]);
  });

  it('leaves the rows it was given untouched', () => {
    const start = new Map([[fleetKey('acme', 'web-01'), given(registered())!]]);
    fold(start, prepareBatch([heartbeat(T1, 2)]));
    expect(start.get(fleetKey('acme', 'web-01'))?.status).toBe('offline');
  });
});

describe('fleet deltas', () => {
  it('sends one delta per tenant, each at the batch position, with rows as the browser sees them', () => {
    const acme = given(registered())!;
    const zeta = { ...acme, tenant: 'zeta', machineId: 'db-01' };
    const deltas = fleetDeltas([acme, zeta, { ...acme, machineId: 'web-02' }], 42);
    expect(deltas).toEqual([
      {
        view: 'fleet',
        tenant: 'acme',
        position: 42,
        rows: [toMachineView(acme), { ...toMachineView(acme), machineId: 'web-02' }],
      },
      { view: 'fleet', tenant: 'zeta', position: 42, rows: [{ ...toMachineView(acme), machineId: 'db-01' }] },
    ]);
    expect(deltas[0]!.rows[0]).not.toHaveProperty('tenant');
    expect(deltas[0]!.rows[0]).not.toHaveProperty('position');
  });
});

describe('fleet evolve: signals, inventory, decommissioning', () => {
  const checkedIn = (at: string, position: number, data: Record<string, unknown> = {}) =>
    recorded(
      machineEvent('acme', 'web-01', 'machine.checked_in', at, {
        signal: 'rmm',
        via: 'tacticalrmm',
        ...data,
      }),
      position,
    );
  const plus = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();

  it('given an agent heard at T, when the RMM checks in 89.999 s later, then no signal is stale yet', () => {
    const row = given(registered(), heartbeat(T0, 2), checkedIn(plus(T0, 89_999), 3))!;
    expect(row).toMatchObject({ status: 'online', lastSeenAt: plus(T0, 89_999), staleSignals: [] });
    expect(row.signals).toEqual({ agent: T0, rmm: plus(T0, 89_999) });
  });

  it('given an agent heard at T, when the RMM checks in exactly 90 s later, then the agent signal is stale', () => {
    const row = given(registered(), heartbeat(T0, 2), checkedIn(plus(T0, 90_000), 3))!;
    expect(row.staleSignals).toEqual(['agent']);
    expect(STALE_SIGNAL_AFTER_MS).toBe(90_000);
  });

  it('given an overdue machine, when the RMM reports it, then it is online again and last seen then', () => {
    const row = given(registered(), heartbeat(T0, 2), statusChanged('overdue', 3), checkedIn(T2, 4))!;
    expect(row).toMatchObject({ status: 'online', lastSeenAt: T2, position: 4 });
  });

  it('when a source reports an older sighting, then it is recorded for its signal and nothing else moves', () => {
    const before = given(registered(), heartbeat(T2, 2), statusChanged('offline', 3))!;
    const row = evolve(before, checkedIn(T2, 4, { lastSeenAt: T0 }))!;
    expect(row).toMatchObject({
      status: 'offline',
      lastSeenAt: T2,
      signals: { agent: T2, rmm: T0 },
      position: 4,
    });
  });

  it('when a check-in names a machine never seen, then it is listed, online, with what the source knows', () => {
    expect(given(checkedIn(T1, 1, { hostname: 'pc-7' }))).toMatchObject({
      hostname: 'pc-7',
      os: 'unknown',
      status: 'online',
    });
  });

  it('when inventory is reported, then the row carries its summary and position, not its software list', () => {
    const row = given(
      registered(),
      recorded(
        machineEvent('acme', 'web-01', 'machine.inventory_reported', T1, {
          hardware: { vendor: 'Dell Inc.', cpuCores: 16 },
          os: { name: 'Debian', version: '12.7' },
          software: [{ name: 'nginx' }, { name: 'openssh' }],
        }),
        2,
      ),
    )!;
    expect(row.inventory).toMatchObject({
      reportedAt: T1,
      vendor: 'Dell Inc.',
      cpuCores: 16,
      osName: 'Debian',
      softwareCount: 2,
    });
    expect(row.status).toBe('offline');
  });

  it('when a token is rotated, then only the position moves (the absence manager appends at that version)', () => {
    const before = given(registered(), heartbeat(T1, 2))!;
    expect(
      evolve(
        before,
        recorded(
          machineEvent('acme', 'web-01', 'machine.token_rotated', T2, { tokenId: 't', expiresAt: T2 }),
          3,
        ),
      ),
    ).toEqual({
      ...before,
      position: 3,
    });
  });

  it('registers customer, site and tags; decommissioning leaves the rollups; re-registering brings it back', () => {
    const reg = registered(T0, 1, { customer: 'Acme Corp', site: 'HQ', tags: ['web'] });
    const online = given(reg, heartbeat(T1, 2))!;
    expect(online).toMatchObject({ customer: 'Acme Corp', site: 'HQ', tags: ['web'] });
    expect(rollupContribution(online)).toEqual({ customer: 'Acme Corp', site: 'HQ', status: 'online' });
    const gone = evolve(online, recorded(machineEvent('acme', 'web-01', 'machine.decommissioned', T2), 3))!;
    expect(gone.decommissionedAt).toBe(T2);
    expect(rollupContribution(gone)).toBeUndefined();
    expect(evolve(gone, recorded(registeredEvent('acme', 'web-01', T2), 4))!.decommissionedAt).toBeNull();
  });

  it('moves one machine between counts in the rollups, and leaves counts alone when only vitals change', () => {
    const a = given(registered(T0, 1, { customer: 'Acme Corp' }))!;
    const b = evolve(a, heartbeat(T1, 2))!;
    expect(rollupChanges([[a, b]])).toEqual([
      { tenant: 'acme', customer: 'Acme Corp', site: '', online: 1, overdue: 0, offline: -1, total: 0 },
    ]);
    expect(rollupChanges([[b, evolve(b, heartbeat(T2, 3, { cpuPct: 99 }))!]])).toEqual([]);
    expect(rollupChanges([[undefined, a]])).toEqual([
      { tenant: 'acme', customer: 'Acme Corp', site: '', online: 0, overdue: 0, offline: 1, total: 1 },
    ]);
  });
});
