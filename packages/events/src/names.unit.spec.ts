import { describe, expect, it } from 'vitest';
import { busNames, parseStreamName, streamName } from './names.ts';

describe('busNames', () => {
  it('uses the wire names of DESIGN.md with no prefix', () => {
    const n = busNames();
    expect([n.inboxStream, n.dlqStream, n.inbox('acme', 'machine.heartbeat'), n.view('acme', 'fleet'), n.dlq('acme')]).toEqual([
      'OPS_INBOX', 'OPS_DLQ', 'ops.in.acme.machine.heartbeat', 'ops.view.acme.fleet', 'ops.dlq.acme',
    ]);
  });

  it('isolates a run behind a prefix, and parses view subjects back', () => {
    const n = busNames('t1a2');
    expect(n.inboxStream).toBe('T1A2_OPS_INBOX');
    expect(n.inboxAll).toBe('t1a2.ops.in.>');
    expect(n.parseView(n.view('acme', 'fleet'))).toEqual({ tenant: 'acme', view: 'fleet' });
    expect(n.parseView('ops.view.acme.fleet')).toBeUndefined();
  });

  it('refuses a prefix that would change subject structure', () => {
    expect(() => busNames('a.b')).toThrow();
  });
});

describe('stream names', () => {
  it('round-trip <category>-<tenant>.<id>, ids may hold dots', () => {
    const s = streamName('machine', 'acme', 'web-01.example.com');
    expect(s).toBe('machine-acme.web-01.example.com');
    expect(parseStreamName(s)).toEqual({ category: 'machine', tenant: 'acme', id: 'web-01.example.com' });
  });
});
