import { describe, expect, it } from 'vitest';
import type { AlertView } from '@pulse/events';
import { filterAlerts, openBySeverity, sortAlerts, summarizeStorm } from './alerts.ts';

const alert = (fingerprint: string, patch: Partial<AlertView> = {}): AlertView => ({
  fingerprint,
  source: 'wazuh',
  severity: 'critical',
  title: `Alert ${fingerprint}`,
  details: null,
  labels: {},
  machineId: null,
  externalId: null,
  url: null,
  state: 'open',
  count: 1,
  firstSeenAt: '2026-11-25T12:00:00.000Z',
  lastSeenAt: '2026-11-25T12:00:00.000Z',
  openedAt: '2026-11-25T12:00:00.000Z',
  acknowledgedAt: null,
  acknowledgedBy: null,
  resolvedAt: null,
  resolvedBy: null,
  escalationLevel: 0,
  escalatedAt: null,
  flapping: false,
  notes: 0,
  lastNote: null,
  ...patch,
});

describe('alerts', () => {
  const rows = [
    alert('a', { severity: 'warning', lastSeenAt: '2026-11-25T12:05:00.000Z' }),
    alert('b', { state: 'acknowledged' }),
    alert('c', { lastSeenAt: '2026-11-25T12:01:00.000Z', source: 'tacticalrmm' }),
    alert('d', { state: 'resolved' }),
  ];

  it('sorts open before acknowledged, worst first, newest first', () => {
    expect(sortAlerts(rows).map((a) => a.fingerprint)).toEqual(['c', 'a', 'b', 'd']);
  });

  it('filters by severity, source and state; "active" hides resolved', () => {
    const f = { severity: '' as const, source: '', state: 'active' as const, query: '' };
    expect(filterAlerts(rows, f).map((a) => a.fingerprint)).toEqual(['a', 'b', 'c']);
    expect(filterAlerts(rows, { ...f, source: 'tacticalrmm' }).map((a) => a.fingerprint)).toEqual(['c']);
    expect(filterAlerts(rows, { ...f, state: 'resolved' }).map((a) => a.fingerprint)).toEqual(['d']);
    expect(filterAlerts(rows, { ...f, severity: 'warning' }).map((a) => a.fingerprint)).toEqual(['a']);
  });

  it('counts open alerts by severity', () => {
    expect(openBySeverity(rows)).toEqual({ critical: 1, warning: 1, info: 0 });
  });

  it('summarizes a storm: a few of each severity and source, then how many more', () => {
    const storm = Array.from({ length: 1245 }, (_, i) => alert(`s${String(i).padStart(4, '0')}`));
    const items = summarizeStorm(sortAlerts([...storm, alert('w', { severity: 'warning' })]), 5);
    expect(items.filter((i) => i.kind === 'alert')).toHaveLength(6);
    expect(items.find((i) => i.kind === 'more')).toEqual({
      kind: 'more',
      severity: 'critical',
      source: 'wazuh',
      more: 1240,
    });
  });
});
