import { describe, expect, it } from 'vitest';
import {
  CpuMeter,
  cpuPercent,
  diskPercent,
  memPercent,
  parseMeminfo,
  parseOsRelease,
  primaryIpv4,
  sumCpuTimes,
  toMachineId,
  type CpuTimes,
} from './metrics.ts';

const core = (user: number, sys: number, idle: number, nice = 0, irq = 0) => ({
  times: { user, nice, sys, idle, irq },
});

describe('CPU use from os.cpus() deltas', () => {
  it('sums every kind of time over all cores', () => {
    expect(sumCpuTimes([core(100, 50, 800, 10, 5), core(200, 0, 700)])).toEqual({ idle: 1500, total: 1865 });
  });

  it('is the busy share of the time that passed between two samples', () => {
    const before = sumCpuTimes([core(1000, 500, 8000), core(1000, 500, 8000)]);
    // 2 cores × 1000 ms: one 60 % busy, the other 20 % busy → 40 % overall.
    const after = sumCpuTimes([core(1400, 700, 8400), core(1100, 600, 8800)]);
    expect(cpuPercent(before, after)).toBeCloseTo(40, 10);
  });

  it('ignores what happened before the first sample (counters are cumulative since boot)', () => {
    const bootBusy: CpuTimes = { idle: 1_000, total: 100_000 };
    expect(cpuPercent(bootBusy, { idle: 1_900, total: 101_000 })).toBeCloseTo(10, 10);
  });

  it('is 0 when no time passed or the counters went backwards, and never leaves 0–100', () => {
    const s: CpuTimes = { idle: 500, total: 1000 };
    expect(cpuPercent(s, s)).toBe(0);
    expect(cpuPercent(s, { idle: 400, total: 900 })).toBe(0);
    expect(cpuPercent(s, { idle: 400, total: 1100 })).toBe(0);
    expect(cpuPercent(s, { idle: 500, total: 2000 })).toBe(100);
    expect(cpuPercent(s, { idle: 800, total: 1100 })).toBe(0);
  });

  it('measures each reading against the previous one', async () => {
    const samples: CpuTimes[] = [
      { idle: 0, total: 0 },
      { idle: 500, total: 1000 },
      { idle: 1400, total: 2000 },
    ];
    const meter = new CpuMeter(() => samples.shift()!);
    expect(await meter.percent(0)).toBe(50);
    expect(await meter.percent(0)).toBeCloseTo(10, 10);
  });
});

describe('memory', () => {
  const meminfo =
    'MemTotal:       16000000 kB\nMemFree:          500000 kB\nMemAvailable:    4000000 kB\nBuffers:  1 kB\n';

  it('counts MemAvailable as free, page cache included', () => {
    expect(parseMeminfo(meminfo)).toEqual({ totalKb: 16_000_000, availableKb: 4_000_000 });
    expect(memPercent(16_000_000, 4_000_000)).toBe(75);
  });

  it('gives up on a meminfo without MemAvailable (very old kernels) so the caller falls back', () => {
    expect(parseMeminfo('MemTotal: 100 kB\nMemFree: 10 kB\n')).toBeUndefined();
    expect(parseMeminfo('')).toBeUndefined();
  });
});

describe('disk', () => {
  it('matches df: used / (used + available), so root-reserved blocks do not count as free', () => {
    // 1000 blocks, 300 free of which 250 available to users: 700 / 950.
    expect(diskPercent({ blocks: 1000, bfree: 300, bavail: 250 })).toBeCloseTo(73.68, 2);
    expect(diskPercent({ blocks: 0, bfree: 0, bavail: 0 })).toBe(0);
  });
});

describe('OS name from os-release', () => {
  it('prefers PRETTY_NAME and strips its quotes', () => {
    expect(
      parseOsRelease(
        'NAME="Debian GNU/Linux"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nVERSION_ID="12"\n',
      ),
    ).toBe('Debian GNU/Linux 12 (bookworm)');
  });

  it('falls back to NAME and VERSION_ID, and to nothing', () => {
    expect(parseOsRelease("NAME='Alpine Linux'\nVERSION_ID=3.20.3\n")).toBe('Alpine Linux 3.20.3');
    expect(parseOsRelease('# nothing here\n')).toBeUndefined();
  });
});

describe('primary IPv4', () => {
  it('skips loopback, IPv6 and link-local, and prefers a physical interface to a bridge', () => {
    expect(
      primaryIpv4({
        lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }],
        docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false }],
        eth0: [
          { address: 'fe80::1', family: 'IPv6', internal: false },
          { address: '169.254.3.4', family: 'IPv4', internal: false },
          { address: '10.0.0.7', family: 'IPv4', internal: false },
        ],
      }),
    ).toBe('10.0.0.7');
  });

  it('takes a bridge when nothing else exists, and nothing when only loopback does', () => {
    expect(primaryIpv4({ docker0: [{ address: '172.17.0.1', family: 'IPv4', internal: false }] })).toBe(
      '172.17.0.1',
    );
    expect(primaryIpv4({ lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true }] })).toBeUndefined();
  });
});

describe('machine id from the hostname', () => {
  it('keeps what a stream name allows', () => {
    expect(toMachineId('Web-01.example.com')).toBe('web-01.example.com');
    expect(toMachineId('DESKTOP 7 (Anna)')).toBe('desktop-7-anna');
    expect(toMachineId('--')).toBe('unknown-host');
  });
});
