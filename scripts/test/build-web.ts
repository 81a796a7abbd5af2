/** The browser tier runs the production web build (adapter-node), so build it first when stale. */
import { buildWebIfStale } from '../build.ts';

export default async function setup() {
  await buildWebIfStale((m) => console.log(`[setup] ${m}`));
}
