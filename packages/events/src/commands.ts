import { z } from 'zod';
import { Actor } from './common.ts';
import { Fingerprint } from './alert.events.ts';

/**
 * Commands the web app sends to the write side as NATS requests on `ops.cmd.<tenant>.<name>`
 * (busNames().command). Names are imperatives; the events they produce are facts.
 */
export const AcknowledgeAlert = z.object({ fingerprint: Fingerprint, by: Actor, comment: z.string().max(5000).optional() });
export const ResolveAlert = z.object({ fingerprint: Fingerprint, by: Actor, reason: z.string().max(5000).optional() });
export const AnnotateAlert = z.object({ fingerprint: Fingerprint, by: Actor, note: z.string().min(1).max(5000) });

export const commandCatalog = {
  'alert.acknowledge': AcknowledgeAlert,
  'alert.resolve': ResolveAlert,
  'alert.annotate': AnnotateAlert,
} as const;

export type CommandName = keyof typeof commandCatalog;
export type CommandPayload<N extends CommandName> = z.infer<(typeof commandCatalog)[N]>;

/**
 * The reply to every command. `position` is the global position of the last event the command
 * appended: a client keeps its button pending until its view reflects that position.
 */
export type CommandReply =
  | { ok: true; position: number; streamVersion: number; events: string[] }
  | {
      ok: false;
      error: {
        /** conflict: someone acted first (`by`, `at`); rejected: not allowed in this state; invalid: bad payload; not_found. */
        code: 'conflict' | 'rejected' | 'invalid' | 'not_found' | 'unavailable';
        message: string;
        by?: string;
        at?: string;
      };
    };
