import { Command } from '@nestjs/cqrs';
import type { CommandReply } from '@pulse/events';
import type { AlertCommand } from '../domain/alert/alert.decider.ts';

/** Run one alert command (acknowledge, resolve, annotate) for a tenant. */
export class RunAlertCommand extends Command<Extract<CommandReply, { ok: true }>> {
  constructor(
    readonly tenant: string,
    readonly command: AlertCommand,
  ) {
    super();
  }
}
