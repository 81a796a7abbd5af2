import type { AcknowledgeAlert, AnnotateAlert, ResolveAlert } from '@pulse/events';
import type { z } from 'zod';

/**
 * The alert aggregate (stream `alert-<tenant>.<fingerprint>`): what technicians may do to an
 * alert, decided from the alert's own events. Pure: the time comes in with the command.
 */

export type AlertState =
  | { status: 'none' }
  | { status: 'open'; raisedAt: string }
  | { status: 'acknowledged'; raisedAt: string; by: string; at: string }
  | { status: 'resolved'; by: string; at: string };

export const initialState = (): AlertState => ({ status: 'none' });

/** An alert event as the decider needs it: its type, data and when it happened. */
export interface AlertEvent {
  type: string;
  data: Record<string, unknown>;
  occurredAt: string;
}

export function evolve(state: AlertState, event: AlertEvent): AlertState {
  const by = String(event.data.by ?? 'unknown');
  switch (event.type) {
    case 'alert.raised':
      // A repeat raise of an open or acknowledged alert is the same alert seen again; after a
      // resolve it opens the alert anew.
      return state.status === 'open' || state.status === 'acknowledged'
        ? state
        : { status: 'open', raisedAt: event.occurredAt };
    case 'alert.acknowledged':
      return state.status === 'open' ? { status: 'acknowledged', raisedAt: state.raisedAt, by, at: event.occurredAt } : state;
    case 'alert.resolved':
      return { status: 'resolved', by, at: event.occurredAt };
    default:
      // alert.escalated and alert.annotated change nothing the decider checks.
      return state;
  }
}

export type AlertCommand =
  | { type: 'alert.acknowledge'; data: z.infer<typeof AcknowledgeAlert>; at: string }
  | { type: 'alert.resolve'; data: z.infer<typeof ResolveAlert>; at: string }
  | { type: 'alert.annotate'; data: z.infer<typeof AnnotateAlert>; at: string };

/** The events a command appends, without ids: the handler gives each its id and time. */
export interface DecidedEvent {
  type: 'alert.acknowledged' | 'alert.resolved' | 'alert.annotated';
  data: Record<string, unknown>;
}

export class AlertNotFound extends Error {
  override name = 'AlertNotFound';
  constructor(fingerprint: string) {
    super(`no alert with fingerprint ${fingerprint}`);
  }
}

/** Someone acted first: the alert is no longer in the state the command expects. */
export class AlertConflict extends Error {
  override name = 'AlertConflict';
  constructor(
    message: string,
    readonly by: string,
    readonly at: string,
  ) {
    super(message);
  }
}

function acknowledge(command: Extract<AlertCommand, { type: 'alert.acknowledge' }>, state: AlertState): DecidedEvent[] {
  if (state.status === 'none') throw new AlertNotFound(command.data.fingerprint);
  if (state.status === 'acknowledged')
    throw new AlertConflict(`already acknowledged by ${state.by}`, state.by, state.at);
  if (state.status === 'resolved') throw new AlertConflict(`already resolved by ${state.by}`, state.by, state.at);
  return [{ type: 'alert.acknowledged', data: { ...command.data } }];
}

function resolve(command: Extract<AlertCommand, { type: 'alert.resolve' }>, state: AlertState): DecidedEvent[] {
  if (state.status === 'none') throw new AlertNotFound(command.data.fingerprint);
  if (state.status === 'resolved') throw new AlertConflict(`already resolved by ${state.by}`, state.by, state.at);
  return [{ type: 'alert.resolved', data: { ...command.data } }];
}

function annotate(command: Extract<AlertCommand, { type: 'alert.annotate' }>, state: AlertState): DecidedEvent[] {
  if (state.status === 'none') throw new AlertNotFound(command.data.fingerprint);
  return [{ type: 'alert.annotated', data: { ...command.data } }];
}

export function decide(command: AlertCommand, state: AlertState): DecidedEvent[] {
  switch (command.type) {
    case 'alert.acknowledge':
      return acknowledge(command, state);
    case 'alert.resolve':
      return resolve(command, state);
    case 'alert.annotate':
      return annotate(command, state);
    default: {
      const exhaustive: never = command;
      throw new Error(`unknown command ${(exhaustive as { type: string }).type}`);
    }
  }
}
