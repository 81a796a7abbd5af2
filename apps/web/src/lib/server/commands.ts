import { z } from 'zod';
import { commandCatalog, TenantId, type BusNames, type CommandName, type CommandReply } from '@pulse/events';
import type { Logger, NatsConnection } from '@pulse/platform';

const commandNames = Object.keys(commandCatalog) as [CommandName, ...CommandName[]];

/** What a browser may send as `command`: checked here so a bad one never reaches the bus. */
export const CommandRequest = z.object({
  tenant: TenantId,
  name: z.enum(commandNames),
  payload: z.unknown(),
});

const unavailable = (message: string): CommandReply => ({
  ok: false,
  error: { code: 'unavailable', message },
});

/**
 * Sends a browser's command to the write side as a NATS request on ops.cmd.<tenant>.<name> and
 * returns its CommandReply. Until login exists the actor is the name the user typed, and it
 * must read as a user (`user:<name>`), never as the automation or an integration.
 */
export function natsCommands(nc: NatsConnection, names: BusNames, log: Logger, timeoutMs = 5000) {
  return async (req: unknown): Promise<CommandReply> => {
    const parsed = CommandRequest.safeParse(req);
    if (!parsed.success)
      return { ok: false, error: { code: 'invalid', message: z.prettifyError(parsed.error) } };
    const { tenant, name, payload } = parsed.data;
    const body = commandCatalog[name].safeParse(payload);
    if (!body.success) return { ok: false, error: { code: 'invalid', message: z.prettifyError(body.error) } };
    if (!body.data.by.startsWith('user:'))
      return {
        ok: false,
        error: { code: 'invalid', message: 'by: a command from the board is made by a user (user:<name>)' },
      };
    try {
      const msg = await nc.request(names.command(tenant, name), JSON.stringify(body.data), {
        timeout: timeoutMs,
      });
      return msg.json<CommandReply>();
    } catch (err) {
      log.warn({ err, tenant, command: name }, 'command request failed');
      return unavailable('the write side did not answer; try again');
    }
  };
}
