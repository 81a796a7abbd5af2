/**
 * Who is in the simulated fleet: the customers of a managed-service provider, each with a few servers
 * and a floor of workstations, named the way such fleets are (`acme-web-01`, `initech-ws-117`).
 */
import { intBetween, pick, uniform, weighted, type Random } from './random.ts';

export type Platform = 'linux' | 'windows' | 'macos';
export type Role = 'web' | 'app' | 'db' | 'cache' | 'lb' | 'vpn' | 'backup' | 'files' | 'dc' | 'mail' | 'ws';

/** What does not change while a machine runs: identity and the character of its load. */
export interface MachineProfile {
  machineId: string;
  hostname: string;
  /** The MSP's customer (from the hostname's prefix) and the site the machine sits at. */
  customer: string;
  site: string;
  os: string;
  platform: Platform;
  role: Role;
  cores: number;
  ip: string;
  loggedInUser?: string;
  agentVersion: string;
  /** Where CPU and memory use settle, and how far they wander (standard deviation), in %. */
  cpuMeanPct: number;
  cpuSdPct: number;
  memMeanPct: number;
  memSdPct: number;
  /** Percentage points of disk the machine fills per day (logs, databases, downloads). */
  diskGrowthPctPerDay: number;
}

// Customers with a weight: a provider has a few big accounts and many small ones.
// prettier-ignore
const customers = [
  ['acme', 8], ['globex', 6], ['initech', 5], ['umbrella', 4], ['hooli', 4], ['soylent', 3], ['stark', 3],
  ['wayne', 3], ['wonka', 2], ['tyrell', 2], ['cyberdyne', 2], ['vandelay', 2], ['dunder', 2], ['oceanic', 1],
  ['pied-piper', 1], ['monarch', 1], ['nakatomi', 1], ['gringotts', 1],
] as const;

/** The customer's name as the MSP's books spell it; the hostname prefix is its short form. */
// prettier-ignore
export const customerNames: Readonly<Record<(typeof customers)[number][0], string>> = {
  acme: 'Acme Corp', globex: 'Globex Corporation', initech: 'Initech', umbrella: 'Umbrella Corporation',
  hooli: 'Hooli', soylent: 'Soylent Corp', stark: 'Stark Industries', wayne: 'Wayne Enterprises',
  wonka: 'Wonka Industries', tyrell: 'Tyrell Corporation', cyberdyne: 'Cyberdyne Systems',
  vandelay: 'Vandelay Industries', dunder: 'Dunder Mifflin', oceanic: 'Oceanic Airlines',
  'pied-piper': 'Pied Piper', monarch: 'Monarch Solutions', nakatomi: 'Nakatomi Trading', gringotts: 'Gringotts',
};

/**
 * Where a machine sits, from what it is: servers in the customer's rack at the datacenter,
 * workstations at the head office, and the bigger accounts (weight 4+) have a branch office that
 * every third workstation belongs to. No random draw, so the fleet of a seed stays as it was.
 */
export function siteOf(customer: (typeof customers)[number][0], role: Role, workstationNo: number): string {
  if (role !== 'ws') return 'Datacenter';
  const big = (customers.find(([c]) => c === customer)?.[1] ?? 0) >= 4;
  return big && workstationNo % 3 === 0 ? 'Branch office' : 'Head office';
}

// prettier-ignore
const roles: readonly (readonly [Role, number])[] = [
  ['ws', 52], ['web', 10], ['app', 8], ['db', 6], ['files', 4], ['dc', 4], ['cache', 3], ['mail', 3],
  ['lb', 3], ['backup', 3], ['vpn', 3],
];

const debian = 'Debian 12';
const ubuntu = 'Ubuntu 24.04';
const winServer = 'Windows Server 2022';
const linuxServers: readonly (readonly [string, number])[] = [
  [debian, 5],
  [ubuntu, 5],
];
const mixedServers: readonly (readonly [string, number])[] = [
  [debian, 4],
  [ubuntu, 4],
  [winServer, 2],
];
const workstations: readonly (readonly [string, number])[] = [
  ['Windows 11', 14],
  ['macOS 15', 5],
  [ubuntu, 1],
];

const osByRole: Record<Role, readonly (readonly [string, number])[]> = {
  web: mixedServers,
  app: mixedServers,
  db: mixedServers,
  cache: linuxServers,
  lb: linuxServers,
  vpn: linuxServers,
  backup: mixedServers,
  files: [
    [winServer, 4],
    [debian, 1],
  ],
  dc: [[winServer, 1]],
  mail: [
    [winServer, 2],
    [debian, 1],
  ],
  ws: workstations,
};

// Typical steady load per role: [cpu mean, cpu sd, mem mean, disk growth %/day].
const loadByRole: Record<Role, readonly [number, number, number, number]> = {
  web: [25, 9, 45, 0.15],
  app: [32, 10, 58, 0.1],
  db: [38, 10, 74, 0.4],
  cache: [14, 5, 68, 0.02],
  lb: [12, 5, 30, 0.05],
  vpn: [8, 4, 25, 0.03],
  backup: [18, 9, 40, 0.8],
  files: [10, 5, 40, 0.35],
  dc: [9, 4, 45, 0.05],
  mail: [20, 7, 60, 0.3],
  ws: [16, 9, 55, 0.1],
};

// prettier-ignore
const firstNames = ['anna', 'ben', 'carla', 'dev', 'emma', 'farid', 'grace', 'hugo', 'ines', 'jonas', 'kim', 'lena', 'mo', 'nora', 'omar', 'priya', 'rosa', 'sam', 'tara', 'yusuf'];
// prettier-ignore
const lastNames = ['adams', 'becker', 'chen', 'diaz', 'evans', 'fischer', 'garcia', 'haddad', 'ito', 'jensen', 'khan', 'lopez', 'meyer', 'novak', 'okafor', 'petrov', 'rossi', 'silva', 'tanaka', 'weber'];

function platformOf(os: string): Platform {
  if (os.startsWith('Windows')) return 'windows';
  if (os.startsWith('macOS')) return 'macos';
  return 'linux';
}

/** `size` distinct machines; the same random source yields the same fleet. */
export function generateProfiles(size: number, random: Random, agentVersion: string): MachineProfile[] {
  const perRole = new Map<string, number>();
  const perCustomer = new Map<string, number>();
  const profiles: MachineProfile[] = [];
  for (let i = 0; i < size; i++) {
    const customer = weighted(random, customers);
    const customerIndex = customers.findIndex(([c]) => c === customer);
    const role = weighted(random, roles);
    // Servers count from 01 per customer and role; workstations from 101, as asset tags often do.
    const key = `${customer}-${role}`;
    const n = (perRole.get(key) ?? 0) + 1;
    perRole.set(key, n);
    const hostname = role === 'ws' ? `${key}-${100 + n}` : `${key}-${String(n).padStart(2, '0')}`;
    const os = weighted(random, osByRole[role]);
    const platform = platformOf(os);
    const hostCount = (perCustomer.get(customer) ?? 0) + 1;
    perCustomer.set(customer, hostCount);
    const [cpuMean, cpuSd, memMean, diskGrowth] = loadByRole[role];
    const user = `${pick(random, firstNames)}.${pick(random, lastNames)}`;
    profiles.push({
      machineId: hostname,
      hostname,
      customer: customerNames[customer],
      site: siteOf(customer, role, n),
      os,
      platform,
      role,
      cores: role === 'ws' ? pick(random, [4, 8, 8, 12]) : pick(random, [2, 4, 4, 8, 8, 16]),
      // Each customer has its own 10.x network; servers sit low in it, workstations get DHCP leases.
      ip: `10.${20 + customerIndex}.${role === 'ws' ? 100 + Math.floor(hostCount / 250) : Math.floor(hostCount / 250)}.${(hostCount % 250) + 4}`,
      ...(role === 'ws' && {
        loggedInUser: platform === 'windows' ? `${customer.toUpperCase()}\\${user}` : user,
      }),
      agentVersion,
      cpuMeanPct: clamp(cpuMean + uniform(random, -6, 6), 2, 90),
      cpuSdPct: cpuSd,
      memMeanPct: clamp(memMean + uniform(random, -10, 10), 10, 92),
      memSdPct: intBetween(random, 2, 4),
      diskGrowthPctPerDay: diskGrowth * uniform(random, 0.5, 1.5),
    });
  }
  return profiles;
}

function clamp(value: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, value));
}
