import type { CommandBus } from '@nestjs/cqrs';
import type { Msg, NatsConnection, Subscription } from '@nats-io/transport-node';
import { commandCatalog, TenantId, type BusNames, type CommandName, type CommandReply } from '@pulse/events';
import { WrongExpectedVersion } from '@pulse/eventstore';
import type { Logger } from '@pulse/platform';
import { RunAlertCommand } from '../../commands/run-alert-command.ts';
import { AlertConflict, AlertNotFound } from '../../domain/alert/alert.decider.ts';

/** Every ingest process with the commands role shares the requests of this queue group. */
export const commandQueue = 'pulse-ingest-commands';

/**
 * The NATS side of the write model: a request on `ops.cmd.<tenant>.<command>` runs the command
 * through the CommandBus and gets a CommandReply. Errors become replies here, in one place.
 */
export class CommandListener {
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly names: BusNames,
    private readonly bus: CommandBus,
    private readonly log: Logger,
  ) {}

  start(): void {
    for (const name of Object.keys(commandCatalog) as CommandName[]) {
      const subject = this.names.command('*', name);
      this.subs.push(
        this.nc.subscribe(subject, { queue: commandQueue, callback: (_err, msg) => void this.handle(name, msg) }),
      );
    }
    this.log.info({ subject: this.names.command('*', '>'), queue: commandQueue }, 'commands listening');
  }

  async stop(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
  }

  private async handle(name: CommandName, msg: Msg): Promise<void> {
    const tenant = this.tenantOf(msg.subject, name);
    const reply = await this.run(name, tenant, msg);
    this.log.info(
      { tenant, command: name, ok: reply.ok, ...(reply.ok ? { position: reply.position } : { error: reply.error.code }) },
      'command handled',
    );
    if (msg.reply) msg.respond(JSON.stringify(reply));
  }

  private async run(name: CommandName, tenant: string | undefined, msg: Msg): Promise<CommandReply> {
    if (!tenant) return failure('invalid', 'the subject names no valid tenant');
    let body: unknown;
    try {
      body = msg.json();
    } catch {
      return failure('invalid', 'the request body is not JSON');
    }
    const payload = commandCatalog[name].safeParse(body);
    if (!payload.success) {
      return failure('invalid', payload.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; '));
    }
    const at = new Date().toISOString();
    try {
      return await this.bus.execute(
        new RunAlertCommand(tenant, { type: name, data: payload.data, at } as RunAlertCommand['command']),
      );
    } catch (err) {
      if (err instanceof AlertNotFound) return failure('not_found', err.message);
      if (err instanceof AlertConflict) return { ok: false, error: { code: 'conflict', message: err.message, by: err.by, at: err.at } };
      if (err instanceof WrongExpectedVersion) return failure('conflict', 'others kept changing the alert; try again');
      this.log.warn({ err, tenant, command: name }, 'command failed');
      return failure('unavailable', 'the event store is unavailable; try again');
    }
  }

  /** `[<prefix>.]ops.cmd.<tenant>.<command>` → tenant. */
  private tenantOf(subject: string, name: CommandName): string | undefined {
    const head = this.names.command('', name).split('..')[0]!;
    const tenant = subject.slice(head.length + 1, subject.length - name.length - 1);
    return TenantId.safeParse(tenant).success ? tenant : undefined;
  }
}

function failure(code: Extract<CommandReply, { ok: false }>['error']['code'], message: string): CommandReply {
  return { ok: false, error: { code, message } };
}
