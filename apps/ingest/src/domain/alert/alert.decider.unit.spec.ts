import { describe, expect, it } from 'vitest';
import { AlertConflict, AlertNotFound, decide, evolve, initialState, type AlertCommand, type AlertEvent } from './alert.decider.ts';

const fingerprint = 'wazuh.5710.web-01';
const raised: AlertEvent = { type: 'alert.raised', data: { fingerprint }, occurredAt: '2026-11-25T12:00:00.000Z' };
const acked: AlertEvent = { type: 'alert.acknowledged', data: { fingerprint, by: 'user:ana' }, occurredAt: '2026-11-25T12:01:00.000Z' };
const resolved: AlertEvent = { type: 'alert.resolved', data: { fingerprint, by: 'source:wazuh' }, occurredAt: '2026-11-25T12:02:00.000Z' };
const at = '2026-11-25T12:05:00.000Z';

const given = (...events: AlertEvent[]) => events.reduce(evolve, initialState());
const ack: AlertCommand = { type: 'alert.acknowledge', data: { fingerprint, by: 'user:bo' }, at };
const res: AlertCommand = { type: 'alert.resolve', data: { fingerprint, by: 'user:bo', reason: 'fixed' }, at };
const note: AlertCommand = { type: 'alert.annotate', data: { fingerprint, by: 'user:bo', note: 'scanner' }, at };

describe('alert decider', () => {
  describe('given no alert', () => {
    it('refuses every command as not found', () => {
      for (const c of [ack, res, note]) expect(() => decide(c, given())).toThrow(AlertNotFound);
    });
  });

  describe('given an open alert', () => {
    const state = given(raised);
    it('acknowledges, resolves and annotates it', () => {
      expect(decide(ack, state)).toEqual([{ type: 'alert.acknowledged', data: { fingerprint, by: 'user:bo' } }]);
      expect(decide(res, state)).toEqual([{ type: 'alert.resolved', data: { fingerprint, by: 'user:bo', reason: 'fixed' } }]);
      expect(decide(note, state)).toEqual([{ type: 'alert.annotated', data: { fingerprint, by: 'user:bo', note: 'scanner' } }]);
    });
    it('stays open when raised again', () => {
      expect(given(raised, raised).status).toBe('open');
    });
  });

  describe('given an acknowledged alert', () => {
    const state = given(raised, acked);
    it('refuses a second acknowledge, naming who acted first and when', () => {
      const err = (() => {
        try {
          decide(ack, state);
        } catch (e) {
          return e;
        }
      })() as AlertConflict;
      expect(err).toBeInstanceOf(AlertConflict);
      expect([err.by, err.at]).toEqual(['user:ana', acked.occurredAt]);
    });
    it('still resolves it, and a raise does not reopen it', () => {
      expect(decide(res, state)).toHaveLength(1);
      expect(given(raised, acked, raised).status).toBe('acknowledged');
    });
  });

  describe('given a resolved alert', () => {
    const state = given(raised, resolved);
    it('refuses acknowledge and resolve as conflicts, but takes a note', () => {
      expect(() => decide(ack, state)).toThrow(/already resolved by source:wazuh/);
      expect(() => decide(res, state)).toThrow(AlertConflict);
      expect(decide(note, state)).toHaveLength(1);
    });
    it('opens again when the source raises it again', () => {
      expect(given(raised, resolved, raised).status).toBe('open');
    });
  });
});
