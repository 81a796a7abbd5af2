import { Inject } from '@nestjs/common';
import { CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import { newEventId, streamName, type CommandReply } from '@pulse/events';
import { WrongExpectedVersion, type EventStore } from '@pulse/eventstore';
import { decide, evolve, initialState } from '../domain/alert/alert.decider.ts';
import { EVENT_STORE } from '../tokens.ts';
import { RunAlertCommand } from './run-alert-command.ts';

/** How often a command is decided again after another writer appended to its stream first. */
const maxAttempts = 3;

/**
 * Loads the alert's stream, decides, appends with the expected version. When another writer got
 * there first, the command is decided again on the new state: an annotate simply goes after it,
 * while a second acknowledge becomes a conflict naming who acted first.
 */
@CommandHandler(RunAlertCommand)
export class RunAlertCommandHandler implements ICommandHandler<RunAlertCommand> {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async execute({ tenant, command }: RunAlertCommand): Promise<Extract<CommandReply, { ok: true }>> {
    const stream = streamName('alert', tenant, command.data.fingerprint);
    for (let attempt = 1; ; attempt++) {
      const history = await this.store.readStream(stream);
      const state = history.reduce(evolve, initialState());
      const decided = decide(command, state);
      const version = history.at(-1)?.streamVersion;
      const events = decided.map((e) => ({
        id: newEventId(),
        type: e.type,
        tenant,
        stream,
        occurredAt: command.at,
        schemaVersion: 1,
        data: e.data,
        metadata: { source: 'command', causationId: command.type },
      }));
      try {
        const result = await this.store.append(stream, events, {
          expectedVersion: version === undefined ? 'no_stream' : version,
        });
        return { ok: true, position: result.lastPosition, streamVersion: result.nextVersion, events: events.map((e) => e.id) };
      } catch (err) {
        if (err instanceof WrongExpectedVersion && attempt < maxAttempts) continue;
        throw err;
      }
    }
  }
}
