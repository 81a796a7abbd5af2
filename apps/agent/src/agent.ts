/**
 * The reference agent: registers this machine with ingest, then sends a heartbeat with its real
 * vital signs every --interval seconds until Ctrl-C.
 *
 *   npm run agent -- --url http://localhost:8080 --key <ingest key> [--interval 10] [--machine-id <id>] [--once]
 */
import os from 'node:os';
import { EntityId } from '@pulse/events';
import { z } from 'zod';
import {
  abortOnSignals,
  countFlag,
  IngestKey,
  IngestUrl,
  isEntryPoint,
  parseCommandLine,
  runCli,
  sleepUntil,
} from './cli.ts';
import { consoleLog, type Log } from './log.ts';
import { CpuMeter, readHostFacts, readVitals, toMachineId } from './metrics.ts';
import { outgoing } from './outgoing.ts';
import { createSender, IngestRejectedError, persistentRetry, type Sender } from './sender.ts';
import { agentVersion, userAgent } from './version.ts';

const usage = `Usage: npm run agent -- --url <ingest url> --key <ingest key> [options]

Registers this machine with Pulse ingest, then sends a heartbeat every --interval seconds.

  --url <url>          ingest base URL, e.g. http://localhost:8080
  --key <key>          the tenant's ingest key (sent as a Bearer token)
  --interval <s>       seconds between heartbeats, 1–3600 (default 10)
  --machine-id <id>    this machine's id (default: from the hostname, "${toMachineId(os.hostname())}")
  --once               register, send one heartbeat and exit (code 0 if both were accepted)
  -h, --help           show this text`;

export const AgentArgs = z.object({
  url: IngestUrl,
  key: IngestKey,
  interval: countFlag(1, 3600).default(10),
  'machine-id': EntityId.optional(),
  once: z.boolean().default(false),
});
export type AgentArgs = z.infer<typeof AgentArgs>;

const flags = {
  url: { type: 'string' },
  key: { type: 'string' },
  interval: { type: 'string' },
  'machine-id': { type: 'string' },
  once: { type: 'boolean' },
} as const;

/** Runs the agent until the signal aborts (or after one heartbeat with --once); resolves to an exit code. */
export async function runAgent(args: AgentArgs, log: Log, signal: AbortSignal): Promise<number> {
  const machineId = args['machine-id'] ?? toMachineId(os.hostname());
  const source = `agent:${machineId}`;
  const sender = createSender({
    url: args.url,
    key: args.key,
    userAgent,
    onAttemptFailed: ({ attempt, willRetry, error }) =>
      log.warn(
        `attempt ${attempt} failed: ${error.message}${willRetry ? '; retrying with backoff' : '; giving up'}`,
      ),
  });
  // Started now so that the first heartbeat's CPU figure covers at least the time registration took.
  const cpu = new CpuMeter();

  const facts = await readHostFacts();
  log.info(`pulse agent ${agentVersion}: ${machineId} (${facts.hostname}, ${facts.os}) → ${args.url}`);
  try {
    // Registration must get through before heartbeats make sense, so it is retried until it does.
    const registered = outgoing(
      'machine.registered',
      {
        machineId,
        hostname: facts.hostname,
        os: facts.os.slice(0, 200),
        agentVersion,
        ...(facts.ip && { ip: facts.ip }),
      },
      { source, occurredAt: Date.now() },
    );
    await sender.send(registered, { signal, retry: persistentRetry });
    log.info(`registered ${machineId} (event ${registered.id})`);
  } catch (err) {
    if (signal.aborted) return 0;
    if (err instanceof IngestRejectedError) {
      log.error(`registration rejected: ${err.message}`);
      return 1;
    }
    throw err;
  }

  const intervalMs = args.interval * 1000;
  const firstAt = Date.now();
  for (let tick = 1; !signal.aborted; tick++) {
    const ok = await sendHeartbeat(sender, cpu, { machineId, source }, log, signal);
    if (args.once) return ok ? 0 : 1;
    // Heartbeats keep to a fixed cadence from the first one; a tick missed while retrying is skipped, not made up.
    const now = Date.now();
    tick = Math.max(tick, Math.ceil((now - firstAt) / intervalMs));
    await sleepUntil(firstAt + tick * intervalMs, signal);
  }
  log.info('stopped');
  return 0;
}

async function sendHeartbeat(
  sender: Sender,
  cpu: CpuMeter,
  who: { machineId: string; source: string },
  log: Log,
  signal: AbortSignal,
): Promise<boolean> {
  try {
    const [facts, vitals] = await Promise.all([readHostFacts(), readVitals(cpu)]);
    const event = outgoing(
      'machine.heartbeat',
      { machineId: who.machineId, ...facts, os: facts.os.slice(0, 200), ...vitals, agentVersion },
      { source: who.source, occurredAt: Date.now() },
    );
    await sender.send(event, { signal });
    const load = vitals.load1 !== undefined ? ` load ${vitals.load1}` : '';
    log.info(
      `heartbeat: cpu ${vitals.cpuPct}% mem ${vitals.memPct}% disk ${vitals.diskPct}%${load} up ${vitals.uptimeS} s`,
    );
    return true;
  } catch (err) {
    if (signal.aborted) return false;
    if (err instanceof IngestRejectedError) log.error(`heartbeat rejected: ${err.message}`);
    else log.error(`heartbeat not delivered: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}

if (isEntryPoint(import.meta.url)) {
  await runCli(usage, async () => {
    const args = parseCommandLine(process.argv.slice(2), flags, AgentArgs);
    if (!args) return void console.log(usage);
    const log = consoleLog('agent');
    const stop = abortOnSignals((name) => log.info(`${name}: stopping`));
    try {
      return await runAgent(args, log, stop.signal);
    } finally {
      stop.dispose();
    }
  });
}
