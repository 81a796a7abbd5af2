import { readFileSync } from 'node:fs';

/** The agent reports its own version, which is the version of this package. */
export const agentVersion: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

export const userAgent = `pulse-agent/${agentVersion} node/${process.versions.node}`;
