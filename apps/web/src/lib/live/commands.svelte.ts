import { SvelteMap } from 'svelte/reactivity';
import type { CommandName, CommandPayload, CommandReply } from '@pulse/events';
import type { LiveView } from './live-view.svelte.ts';
import { liveSocket } from './socket.ts';

export type Outcome =
  | { name: CommandName; phase: 'pending' }
  | { name: CommandName; phase: 'done' }
  | { name: CommandName; phase: 'conflict'; by: string; at: string }
  | { name: CommandName; phase: 'failed'; message: string };

const commandTimeoutMs = 10_000;
/** How long a finished outcome stays next to its buttons. */
const outcomeMs = 8_000;

/**
 * The commands a page sent, by the id of what they act on. A command is pending until its reply
 * AND the view showing its result: the reply carries the position of the event it appended, and
 * the button waits for the live view to reach it, so "Acknowledged" never shows before the list does.
 */
export class CommandTracker {
  readonly outcomes = new SvelteMap<string, Outcome>();

  constructor(
    private readonly tenant: string,
    private readonly view: LiveView<'alerts'>,
  ) {}

  async run<N extends CommandName>(id: string, name: N, payload: CommandPayload<N>): Promise<Outcome> {
    this.outcomes.set(id, { name, phase: 'pending' });
    const reply = await new Promise<CommandReply>((resolve) =>
      liveSocket()
        .timeout(commandTimeoutMs)
        .emit('command', { tenant: this.tenant, name, payload }, (err, res) =>
          resolve(err ? { ok: false, error: { code: 'unavailable', message: err.message } } : res),
        ),
    );
    let outcome: Outcome;
    if (reply.ok) {
      await this.view.waitFor(reply.position);
      outcome = { name, phase: 'done' };
    } else if (reply.error.code === 'conflict' && reply.error.by) {
      outcome = { name, phase: 'conflict', by: reply.error.by, at: reply.error.at ?? '' };
    } else {
      outcome = { name, phase: 'failed', message: reply.error.message };
    }
    this.outcomes.set(id, outcome);
    setTimeout(() => {
      if (this.outcomes.get(id) === outcome) this.outcomes.delete(id);
    }, outcomeMs);
    return outcome;
  }
}
