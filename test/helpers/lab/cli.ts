/**
 * Runs the maildoctor CLI from the TypeScript sources (bin/maildoctor.js needs a build in dist/):
 *
 *     node --import tsx test/helpers/lab/cli.ts check pippo@disney.test --dns 198.51.100.1:53 …
 *
 * The lab runs it inside the user's namespace (`ip netns exec`). Exit code as the CLI's.
 */
import { run } from '../../../src/cli/main.js';

process.exitCode = await run(process.argv.slice(2));
