import { describe, expect, it } from 'vitest';
import type { MachineView } from '@pulse/events';
import { countByStatus, filterMachines, sortMachines, visibleRange } from './fleet.ts';
import { formatAgo, formatClock, withTenant } from './format.ts';

const m = (machineId: string, patch: Partial<MachineView> = {}): MachineView => ({
  machineId,
  hostname: machineId,
  os: 'Debian 12',
  agentVersion: '1.0.0',
  status: 'online',
  lastSeenAt: '2026-11-25T12:00:00.000Z',
  registeredAt: null,
  cpuPct: 10,
  memPct: 20,
  diskPct: 30,
  uptimeS: 60,
  ...patch,
});

const rows = [
  m('web-10', { status: 'online', cpuPct: 50 }),
  m('web-2', { status: 'offline', cpuPct: null, os: 'Windows Server 2022' }),
  m('db-1', { status: 'overdue', cpuPct: 90 }),
  m('web-1', { status: 'online', cpuPct: 5 }),
];

describe('fleet table', () => {
  it('counts machines by status', () => {
    expect(countByStatus(rows)).toEqual({ online: 2, overdue: 1, offline: 1, total: 4 });
  });

  it('sorts by status worst first, then by hostname in natural order', () => {
    expect(sortMachines(rows, { key: 'status', dir: 'asc' }).map((r) => r.machineId)).toEqual([
      'web-2',
      'db-1',
      'web-1',
      'web-10',
    ]);
  });

  it('sorts numbers with unknown values lowest', () => {
    expect(sortMachines(rows, { key: 'cpuPct', dir: 'desc' }).map((r) => r.machineId)).toEqual([
      'db-1',
      'web-10',
      'web-1',
      'web-2',
    ]);
  });

  it('filters by every word of the query and by the selected statuses', () => {
    const f = (query: string, statuses: MachineView['status'][] = [], more = {}) =>
      filterMachines(rows, { query, statuses: new Set(statuses), customer: '', os: '', ...more }).map(
        (r) => r.machineId,
      );
    expect(f('WEB windows')).toEqual(['web-2']);
    expect(f('web', ['online'])).toEqual(['web-10', 'web-1']);
    expect(f('  ')).toHaveLength(4);
    expect(f('', [], { os: 'Windows Server 2022' })).toEqual(['web-2']);
  });

  it('leaves decommissioned machines out of the counts and sorts them last', () => {
    const more = [...rows, m('old-1', { status: 'offline', decommissionedAt: '2026-11-01T00:00:00.000Z' })];
    expect(countByStatus(more)).toEqual({ online: 2, overdue: 1, offline: 1, total: 4 });
    expect(sortMachines(more, { key: 'status', dir: 'asc' }).at(-1)!.machineId).toBe('old-1');
  });

  it('renders only the rows in view, plus a few either side', () => {
    expect(visibleRange(0, 400, 40, 10_000, 5)).toEqual({ start: 0, end: 15 });
    expect(visibleRange(4000, 400, 40, 10_000, 5)).toEqual({ start: 95, end: 115 });
    expect(visibleRange(399_800, 400, 40, 10_000, 5)).toEqual({ start: 9990, end: 10_000 });
  });
});

describe('formatting', () => {
  it('says how long ago', () => {
    expect(formatAgo(-500)).toBe('just now');
    expect(formatAgo(12_400)).toBe('12 s ago');
    expect(formatAgo(4 * 60_000 + 10)).toBe('4 min ago');
    expect(formatAgo(3 * 3600_000)).toBe('3 h ago');
    expect(formatAgo(2 * 86_400_000)).toBe('2 d ago');
  });

  it('prints a 24-hour clock', () => {
    expect(formatClock(new Date(2026, 10, 25, 9, 5, 7))).toBe('09:05:07');
  });

  it('keeps a non-default tenant on links', () => {
    expect(withTenant('/fleet', 'demo')).toBe('/fleet');
    expect(withTenant('/fleet', 'acme', { status: 'offline' })).toBe('/fleet?status=offline&tenant=acme');
  });
});
