/**
 * The exit codes are defined once (src/lib/exit-codes.ts); what users read about them must say the same:
 * README.md's table, every command's --help (the built CLI, as a user runs it), and each code the docs name.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { EXIT, EXIT_MEANINGS, SIGNAL_EXIT } from '../../src/lib/exit-codes.js';
import { assertBuilt, runBuiltCli } from '../helpers/cli/built-cli.js';
import { REPO_ROOT as ROOT } from '../helpers/paths.js';

const CODES = Object.values(EXIT);
const SIGNALS: readonly number[] = Object.values(SIGNAL_EXIT);

/** `code meaning` pairs of the lines under a heading until a blank line (README table rows or --help lines). */
function exitTable(text: string, heading: RegExp, row: RegExp): Array<[number, string]> {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => heading.test(l));
  assert.ok(start >= 0, `no ${heading} in the text`);
  const out: Array<[number, string]> = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') {
      if (out.length) break;
      continue;
    }
    const m = row.exec(line);
    if (m) out.push([Number(m[1]), m[2]!.trim()]);
  }
  return out;
}

describe('exit codes: one module, and what the README and --help say', function () {
  this.timeout(30_000);

  it('every code has a meaning and no two names share a code', () => {
    assert.equal(new Set(CODES).size, CODES.length);
    assert.deepEqual(Object.keys(EXIT_MEANINGS).map(Number).sort((a, b) => a - b), [...CODES].sort((a, b) => a - b));
    for (const code of SIGNALS) assert.ok(CODES.includes(code as never), `signal code ${code} is an exit code`);
  });

  it("README.md's table is the module's, code for code and word for word", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const table = exitTable(readme, /^\| code \| meaning \|$/, /^\| (\d+) \| (.*) \|$/);
    assert.deepEqual(table, CODES.map((c) => [c, EXIT_MEANINGS[c]]));
  });

  it('--help of every command lists the module’s codes; agent and exporter, which stop cleanly on a signal, without 130/143', async () => {
    assertBuilt();
    const commands: Array<[string[], boolean]> = [
      [[], true],
      [['check'], true],
      [['discover'], true],
      [['network'], true],
      [['probe'], true],
      [['agent'], false],
      [['exporter'], false],
    ];
    for (const [command, interruptible] of commands) {
      const r = await runBuiltCli([...command, '--help']);
      assert.equal(r.code, EXIT.OK, r.stderr);
      const listed = exitTable(r.stdout, /^Exit codes:$/, /^ {2}(\d+) +(.*)$/);
      const expected = CODES.filter((c) => interruptible || !SIGNALS.includes(c)).map((c) => [c, EXIT_MEANINGS[c]]);
      assert.deepEqual(listed, expected, `maildoctor ${command.join(' ')} --help`);
    }
  });

  it('every exit code the docs name is one of the module’s', () => {
    // ARCHITECTURE.md is the map of the code: its "exit 13" is Node's own (an unsettled top-level await).
    const docs = ['README.md', ...readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md') && f !== 'ARCHITECTURE.md').map((f) => `docs/${f}`)];
    let named = 0;
    for (const file of docs) {
      const text = readFileSync(path.join(ROOT, file), 'utf8');
      for (const m of text.matchAll(/\bexit(?: codes?)?:? \**(\d+)\**/gi)) {
        named++;
        assert.ok(CODES.includes(Number(m[1]) as never), `${file}: "${m[0]}" is not an exit code of src/lib/exit-codes.ts`);
      }
    }
    assert.ok(named >= 5, `the docs name exit codes (${named} found)`);
  });
});
