/**
 * Every command's --help ends with 2-3 real examples (issue 9), as a user reads it from the BUILT CLI: the last
 * lines are `Examples:` and the examples, nothing after them; each one runs `maildoctor` with the command whose
 * help it ends (the top-level help: a command that exists), and uses only options that command's help lists.
 */
import assert from 'node:assert/strict';
import { ensureBuilt, runCli } from '../helpers/process/run.js';

const COMMANDS = ['check', 'discover', 'network', 'probe', 'agent', 'exporter'];

/** The long options a help text lists (`--no-ispdb`, `--json`…). */
function optionsOf(help: string): Set<string> {
  const section = help.split(/^Options:$/m)[1]?.split(/^\S/m)[0] ?? '';
  return new Set([...section.matchAll(/(?:^|[\s,])(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]!));
}

describe('process tier: every --help ends with 2-3 real examples', function () {
  this.timeout(30_000);
  before(() => ensureBuilt());

  for (const command of ['', ...COMMANDS]) {
    it(`maildoctor ${command ? `${command} ` : ''}--help`, async () => {
      const r = await runCli(command ? [command, '--help'] : ['--help']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stderr, '');
      const lines = r.stdout.trimEnd().split('\n');
      const at = lines.lastIndexOf('Examples:');
      assert.ok(at > 0, `no Examples: section\n${r.stdout}`);
      const examples = lines.slice(at + 1);
      assert.ok(examples.length >= 2 && examples.length <= 3, `${examples.length} examples:\n${examples.join('\n')}`);
      const options = optionsOf(r.stdout);
      for (const line of examples) {
        const m = /^ {2}\$ (?:[A-Z_]+=\S+ )*maildoctor (\S+)(.*)$/.exec(line);
        assert.ok(m, `not an example command line: ${JSON.stringify(line)}`);
        const [, used, rest] = m;
        if (command) assert.equal(used, command, line);
        else assert.ok(COMMANDS.includes(used!), `${line}: no command ${used}`);
        // The top-level help lists only --help and --version: an example there is checked against its command's.
        const known = command ? options : optionsOf((await runCli([used!, '--help'])).stdout);
        for (const opt of rest!.match(/(?<=\s)--[a-z][a-z0-9-]*/g) ?? []) assert.ok(known.has(opt), `${line}: ${opt} is not an option of ${used}`);
      }
    });
  }
});
