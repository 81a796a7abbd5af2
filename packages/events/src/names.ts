/**
 * Names on the wire (DESIGN.md, "Names on the wire"). A prefix isolates one test run or one
 * deployment from another on a shared NATS server: subjects get `<prefix>.` in front, stream
 * names `<PREFIX>_`. Production runs with no prefix.
 */
export function busNames(prefix = '') {
  if (prefix && !/^[a-z0-9_]+$/.test(prefix)) throw new Error(`bad NATS prefix "${prefix}"`);
  const p = prefix ? `${prefix}.` : '';
  const P = prefix ? `${prefix.toUpperCase()}_` : '';
  return {
    inboxStream: `${P}OPS_INBOX`,
    dlqStream: `${P}OPS_DLQ`,
    recorderConsumer: `${P}recorder`,
    inboxAll: `${p}ops.in.>`,
    inbox: (tenant: string, type: string) => `${p}ops.in.${tenant}.${type}`,
    /** One JetStream message holding many events of one tenant (the HTTP edge's batches). */
    inboxBatch: (tenant: string) => `${p}ops.in.${tenant}.${inboxBatchSubjectToken}`,
    dlqAll: `${p}ops.dlq.>`,
    dlq: (tenant: string) => `${p}ops.dlq.${tenant}`,
    events: (tenant: string, type: string) => `${p}ops.events.${tenant}.${type}`,
    eventsAll: `${p}ops.events.>`,
    view: (tenant: string, view: string) => `${p}ops.view.${tenant}.${view}`,
    viewAll: `${p}ops.view.>`,
    command: (tenant: string, name: string) => `${p}ops.cmd.${tenant}.${name}`,
    /** Splits `…ops.view.<tenant>.<view>` back into its parts. */
    parseView(subject: string): { tenant: string; view: string } | undefined {
      const rest = subject.startsWith(`${p}ops.view.`) ? subject.slice(`${p}ops.view.`.length) : undefined;
      const [tenant, view] = rest?.split('.') ?? [];
      return tenant && view ? { tenant, view } : undefined;
    },
  };
}

/**
 * The last token of an inbox batch subject. Event types are always `<category>.<name>`, so a
 * single token can never be mistaken for one.
 */
export const inboxBatchSubjectToken = 'batch';

export type BusNames = ReturnType<typeof busNames>;

/** Stream names are `<category>-<tenant>.<id>`, e.g. `machine-acme.m-42`. */
export function streamName(category: string, tenant: string, id: string): string {
  return `${category}-${tenant}.${id}`;
}

export function parseStreamName(stream: string): { category: string; tenant: string; id: string } | undefined {
  const m = /^([a-z]+)-([a-z0-9][a-z0-9-]*)\.(.+)$/.exec(stream);
  return m ? { category: m[1]!, tenant: m[2]!, id: m[3]! } : undefined;
}
