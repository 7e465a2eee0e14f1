/**
 * `npm run bench`: every benchmark in one run, one after the other (they share the machine's two cores, so
 * never in parallel). Each prints its own figures; nothing here asserts. Run on an otherwise idle machine.
 * `npm run bench -- probes check` runs only the named ones.
 */
import { benchProbes } from './probes.js';
import { benchDiscovery } from './discovery.js';
import { benchCheck } from './check.js';
import { benchAgent } from './agent.js';

const ALL: Record<string, () => Promise<void>> = {
  probes: benchProbes,
  discovery: benchDiscovery,
  check: benchCheck,
  agent: benchAgent,
};

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
for (const name of wanted.length ? wanted : Object.keys(ALL)) {
  const bench = ALL[name];
  if (!bench) {
    console.error(`unknown benchmark ${name}; one of ${Object.keys(ALL).join(', ')}`);
    process.exitCode = 2;
    continue;
  }
  const t = performance.now();
  console.log(`\n# ${name}`);
  await bench();
  console.log(`(${name}: ${((performance.now() - t) / 1000).toFixed(1)} s)`);
}
