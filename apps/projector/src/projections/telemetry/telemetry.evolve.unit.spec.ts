import { describe, expect, it } from 'vitest';
import { anyEvent, recorded } from '../../../test/machine-events.ts';
import { foldSamples } from './telemetry.projection.ts';
import { samplesOf, toTelemetryView } from './telemetry.evolve.ts';

const sampled = (points: { metric?: string; value: number; at: string }[], position = 1) =>
  recorded(
    anyEvent('acme', 'telemetry', 'web-01', 'telemetry.sampled', points[0]!.at, {
      machineId: 'web-01',
      points: points.map((p) => ({ metric: p.metric ?? 'rps', value: p.value, unit: '1/s', at: p.at })),
    }),
    position,
  );

describe('telemetry rollups', () => {
  it('puts a point in its minute and its hour; 12:00:59.999 and 12:01:00.000 are different minutes', () => {
    const s = samplesOf(
      sampled([
        { value: 1, at: '2026-11-25T12:00:59.999Z' },
        { value: 2, at: '2026-11-25T12:01:00.000Z' },
      ]),
    );
    expect(s.map((x) => [x.resolution, x.bucketStart])).toEqual([
      ['1m', '2026-11-25T12:00:00.000Z'],
      ['1h', '2026-11-25T12:00:00.000Z'],
      ['1m', '2026-11-25T12:01:00.000Z'],
      ['1h', '2026-11-25T12:00:00.000Z'],
    ]);
  });

  it('keeps min, max, avg and the last value by sample time, across batches', () => {
    const first = foldSamples(
      new Map(),
      samplesOf(
        sampled([
          { value: 5, at: '2026-11-25T12:00:10Z' },
          { value: 1, at: '2026-11-25T12:00:30Z' },
        ]),
      ),
    );
    const byKey = new Map(
      first.map((r) => [
        `${r.tenant}\u0000${r.subject}\u0000${r.metric}\u0000${r.resolution}\u0000${r.bucketStart}`,
        r,
      ]),
    );
    // A late sample from earlier in the minute counts, but is not the last.
    const second = foldSamples(byKey, samplesOf(sampled([{ value: 9, at: '2026-11-25T12:00:20Z' }], 2)));
    const minute = second.find((r) => r.resolution === '1m')!;
    expect(toTelemetryView(minute)).toEqual({
      subject: 'web-01',
      metric: 'rps',
      resolution: '1m',
      bucketStart: '2026-11-25T12:00:00.000Z',
      min: 1,
      max: 9,
      avg: 5,
      last: 1,
      count: 3,
      unit: '1/s',
    });
  });
});
