/**
 * What the reference agent reports about the machine it runs on. The arithmetic (CPU deltas, meminfo,
 * disk usage, picking an address) is in pure functions with unit tests; the readers around them are
 * thin calls to Node built-ins and /proc, /etc.
 */
import { readFile, statfs } from 'node:fs/promises';
import os from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';

/** CPU time summed over all cores, in milliseconds, as os.cpus() counts it since boot. */
export interface CpuTimes {
  idle: number;
  total: number;
}

export function sumCpuTimes(cpus: readonly Pick<os.CpuInfo, 'times'>[]): CpuTimes {
  let idle = 0;
  let total = 0;
  for (const { times } of cpus) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}

/**
 * Busy share of CPU time between two samples, 0–100. The counters are cumulative, so only their
 * difference says anything about the interval; a counter that went backwards (a core taken offline)
 * or an interval with no ticks yields 0 rather than a nonsense value.
 */
export function cpuPercent(previous: CpuTimes, current: CpuTimes): number {
  const total = current.total - previous.total;
  const idle = current.idle - previous.idle;
  if (total <= 0 || idle < 0) return 0;
  return clampPct((1 - idle / total) * 100);
}

/** Measures CPU use since its previous reading. */
export class CpuMeter {
  private last: CpuTimes;
  private lastAt: number;

  constructor(
    private readonly read: () => CpuTimes = () => sumCpuTimes(os.cpus()),
    private readonly now: () => number = Date.now,
  ) {
    this.last = read();
    this.lastAt = now();
  }

  /**
   * CPU % since the previous reading. A window shorter than `minWindowMs` is first waited out: a few
   * milliseconds of counters (right after start, say) hold too few ticks to mean anything.
   */
  async percent(minWindowMs = 1000): Promise<number> {
    const wait = minWindowMs - (this.now() - this.lastAt);
    if (wait > 0) await sleep(wait);
    const current = this.read();
    const pct = cpuPercent(this.last, current);
    this.last = current;
    this.lastAt = this.now();
    return pct;
  }
}

/** Total and available memory from /proc/meminfo, in kB. */
export function parseMeminfo(text: string): { totalKb: number; availableKb: number } | undefined {
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : undefined;
  };
  const totalKb = field('MemTotal');
  const availableKb = field('MemAvailable');
  return totalKb && availableKb !== undefined ? { totalKb, availableKb } : undefined;
}

export function memPercent(total: number, available: number): number {
  return total > 0 ? clampPct((1 - available / total) * 100) : 0;
}

/** Used share of a filesystem the way `df` shows it: used / (used + available to unprivileged users). */
export function diskPercent(fs: { blocks: number; bfree: number; bavail: number }): number {
  const used = fs.blocks - fs.bfree;
  const usable = used + fs.bavail;
  return usable > 0 ? clampPct((used / usable) * 100) : 0;
}

/** PRETTY_NAME from os-release, e.g. "Debian GNU/Linux 12 (bookworm)"; NAME + VERSION_ID otherwise. */
export function parseOsRelease(text: string): string | undefined {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (m) fields.set(m[1]!, m[2]!.replace(/^(["'])(.*)\1$/, '$2').replace(/\\(.)/g, '$1'));
  }
  const pretty = fields.get('PRETTY_NAME');
  if (pretty) return pretty;
  const name = fields.get('NAME');
  return name ? [name, fields.get('VERSION_ID')].filter(Boolean).join(' ') : undefined;
}

type Interfaces = NodeJS.Dict<Pick<os.NetworkInterfaceInfo, 'address' | 'family' | 'internal'>[]>;

/**
 * The address a person would call this machine's IP: the first external IPv4, preferring physical
 * interfaces over the bridges and tunnels that container runtimes and VPNs add.
 */
export function primaryIpv4(interfaces: Interfaces): string | undefined {
  const virtual =
    /^(docker|br-|veth|virbr|cni|flannel|cali|vxlan|tun|tap|wg|zt|lxc|lxd|podman|vmnet|vboxnet|utun)/i;
  const candidates = Object.entries(interfaces).flatMap(([name, addresses]) =>
    (addresses ?? [])
      // Node 18.0–18.3 reported the family as a number; later versions as "IPv4".
      .filter(
        (a) =>
          !a.internal &&
          (a.family === 'IPv4' || (a.family as unknown) === 4) &&
          !a.address.startsWith('169.254.'),
      )
      .map((a) => ({ name, address: a.address })),
  );
  return (candidates.find((c) => !virtual.test(c.name)) ?? candidates[0])?.address;
}

/** A machine id from a hostname: the stream name ends with it, so only [A-Za-z0-9_.:@-] survive. */
export function toMachineId(hostname: string): string {
  const id = hostname
    .toLowerCase()
    .replace(/[^a-z0-9_.:@-]+/g, '-')
    .replace(/^[^a-z0-9]+/, '')
    .slice(0, 128)
    .replace(/-+$/, '');
  return id || 'unknown-host';
}

export function round(value: number, decimals = 1): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}

function clampPct(value: number): number {
  return Math.min(100, Math.max(0, value));
}

// ---- readers: thin I/O around the functions above ----

export async function readOsName(): Promise<string> {
  if (process.platform === 'linux') {
    for (const file of ['/etc/os-release', '/usr/lib/os-release']) {
      const name = parseOsRelease(await readFile(file, 'utf8').catch(() => ''));
      if (name) return name;
    }
  }
  // On Windows os.version() is the product name ("Windows Server 2022 Datacenter"); elsewhere the
  // kernel name and release are the best Node knows without spawning a process.
  if (process.platform === 'win32') return os.version();
  return `${os.type()} ${os.release()}`;
}

export async function readMemPct(): Promise<number> {
  // MemAvailable counts reclaimable page cache as free, which os.freemem() does not on every Node.
  const meminfo = parseMeminfo(await readFile('/proc/meminfo', 'utf8').catch(() => ''));
  return meminfo ? memPercent(meminfo.totalKb, meminfo.availableKb) : memPercent(os.totalmem(), os.freemem());
}

export async function readDiskPct(path = '/'): Promise<number> {
  return diskPercent(await statfs(path));
}

export function readLoggedInUser(): string | undefined {
  try {
    return os.userInfo().username || undefined;
  } catch {
    // A uid with no passwd entry (common in containers) has no name.
    return undefined;
  }
}

/** Who and where this machine is; read at every heartbeat because DHCP and renames happen. */
export interface HostFacts {
  hostname: string;
  os: string;
  ip?: string;
  loggedInUser?: string;
}

export async function readHostFacts(): Promise<HostFacts> {
  const ip = primaryIpv4(os.networkInterfaces());
  const loggedInUser = readLoggedInUser();
  return {
    hostname: os.hostname(),
    os: await readOsName(),
    ...(ip && { ip }),
    ...(loggedInUser && { loggedInUser }),
  };
}

export interface Vitals {
  cpuPct: number;
  memPct: number;
  diskPct: number;
  uptimeS: number;
  load1?: number;
}

export async function readVitals(cpu: CpuMeter, diskPath = '/'): Promise<Vitals> {
  const [cpuPct, memPct, diskPct] = await Promise.all([cpu.percent(), readMemPct(), readDiskPct(diskPath)]);
  return {
    cpuPct: round(cpuPct),
    memPct: round(memPct),
    diskPct: round(diskPct),
    uptimeS: Math.max(0, Math.floor(os.uptime())),
    // Windows has no load average; os.loadavg() answers zeros there, which would read as "idle".
    ...(process.platform !== 'win32' && { load1: round(os.loadavg()[0] ?? 0, 2) }),
  };
}
