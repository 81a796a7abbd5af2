import { describe, expect, it } from 'vitest';
import { EntityId } from '@pulse/events';
import { customerNames, generateProfiles } from './machine-profiles.ts';
import { seededRandom } from './random.ts';

describe('simulated machine profiles', () => {
  const profiles = generateProfiles(1000, seededRandom(1), '1.0.0');

  it('names machines like an MSP fleet, each name unique and a valid machine id', () => {
    const names = profiles.map((p) => p.hostname);
    expect(new Set(names).size).toBe(1000);
    for (const p of profiles) {
      expect(p.hostname).toMatch(
        /^[a-z]+(-[a-z]+)?-(web|app|db|cache|lb|vpn|backup|files|dc|mail)-\d{2,}$|^[a-z]+(-[a-z]+)?-ws-\d{3,}$/,
      );
      expect(EntityId.safeParse(p.machineId).success).toBe(true);
    }
    expect(names).toContain('acme-web-01');
    expect(names).toContain('acme-ws-101');
  });

  it('mixes the five operating systems, workstations and servers alike', () => {
    const oses = new Set(profiles.map((p) => p.os));
    expect([...oses].sort()).toEqual([
      'Debian 12',
      'Ubuntu 24.04',
      'Windows 11',
      'Windows Server 2022',
      'macOS 15',
    ]);
    expect(profiles.filter((p) => p.role === 'ws').every((p) => p.loggedInUser)).toBe(true);
    expect(profiles.filter((p) => p.role !== 'ws').every((p) => p.loggedInUser === undefined)).toBe(true);
  });

  it('gives each machine the customer its hostname prefix names, and a site by what the machine is', () => {
    const prefixes = Object.keys(customerNames).sort((a, b) => b.length - a.length);
    for (const p of profiles) {
      const prefix = prefixes.find((c) => p.hostname.startsWith(`${c}-`))!;
      expect(p.customer).toBe(customerNames[prefix as keyof typeof customerNames]);
      expect(p.site).toEqual(
        p.role === 'ws' ? expect.stringMatching(/^(Head|Branch) office$/) : 'Datacenter',
      );
    }
    expect(new Set(profiles.map((p) => p.customer)).size).toBe(Object.keys(customerNames).length);
    // Only the bigger accounts have a branch office.
    const withBranch = new Set(profiles.filter((p) => p.site === 'Branch office').map((p) => p.customer));
    expect(withBranch).toEqual(
      new Set(['Acme Corp', 'Globex Corporation', 'Initech', 'Umbrella Corporation', 'Hooli']),
    );
  });

  it('is the same fleet for the same seed', () => {
    expect(generateProfiles(50, seededRandom(42), '1.0.0')).toEqual(
      generateProfiles(50, seededRandom(42), '1.0.0'),
    );
  });
});
