/**
 * Every usage error of src/ names its message in the text catalogue, both ways (the shape of codes.ts's test):
 * a `new UsageError(` call without a catalogue message is a sentence that stays English for an Italian
 * reader, a `usage.*` id that no source names is a dead entry, and an id that the catalogue lacks would print
 * as its id. Parameters and placeholders are compared by test/i18n/catalogue.test.ts (every language alike).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUES, configError, LANGS, translator } from '../../src/i18n/index.js';
import { ConfigError } from '../../src/lib/checker.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/**
 * Files whose usage errors are still English sentences, each with the work that will give them messages.
 * Remove a line when that work lands.
 */
const NOT_YET: Array<[prefix: string, why: string]> = [];

/**
 * A config issue's call names its message: `c.fail(path, 'usage.config.x', …)`, `c.fail(path, why)` (a checker
 * test's MessageRef, typed), or an issue object with `msg:`.
 */
function issueNamesMessage(call: string): boolean {
  return /^\(\s*\{[^]*\bmsg:/.test(call) || /,\s*('usage\.config\.[\w.]+'|why|msg|\{\s*msg:)\s*[,)]/.test(call);
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The text of a call from its opening parenthesis to the matching one, strings and template literals skipped. */
function callText(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < text.length && text[i] !== c; i++) if (text[i] === '\\') i++;
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')' && --depth === 0) return text.slice(open, i + 1);
  }
  return text.slice(open);
}

describe('i18n: every usage error names its catalogue message', () => {
  const files = sources(SRC).map((f) => ({ path: relative(SRC, f), text: readFileSync(f, 'utf8') }));

  it('every `new UsageError(` outside the files not yet done passes a catalogue message (or says why not)', () => {
    const bare: string[] = [];
    for (const { path, text } of files) {
      if (NOT_YET.some(([prefix]) => path.startsWith(prefix))) continue;
      for (const m of text.matchAll(/new (?:UsageError|SecretUnavailableError)\(/g)) {
        const call = callText(text, m.index + m[0].length - 1);
        const line = text.slice(0, m.index).split('\n').length;
        const before = text.split('\n')[line - 2] ?? '';
        // A second argument (`{ msg, params }` or a message passed on), or a comment saying why there is none.
        if (/,\s*(\{\s*msg\b|[\w.]*msg\b|main\b)/.test(call) || /no catalogue message/.test(before)) continue;
        bare.push(`src/${path}:${line}: ${call.slice(0, 100)}`);
      }
    }
    assert.deepEqual(bare, [], 'usage errors without a catalogue message');
  });

  it('every usage.* id a source names is in the catalogue, and every usage.* id of the catalogue is named by a source', () => {
    const named = new Set<string>();
    for (const { text } of files) for (const m of text.matchAll(/'(usage\.[\w.]+)'/g)) named.add(m[1]!);
    const catalogue = Object.keys(CATALOGUES.en.text).filter((k) => k.startsWith('usage.'));
    assert.deepEqual([...named].filter((k) => !catalogue.includes(k)), [], 'named in src/ but missing from the catalogue');
    assert.deepEqual(catalogue.filter((k) => !named.has(k)), [], 'in the catalogue but named by no source');
  });

  it('every config issue (src/lib/checker.ts) names its catalogue message: each `.fail(` and each issue pushed by hand', () => {
    const bare: string[] = [];
    for (const { path, text } of files) {
      for (const m of text.matchAll(/\.fail\(|issues\.push\(/g)) {
        const call = callText(text, m.index + m[0].length - 1);
        const line = text.slice(0, m.index).split('\n').length;
        if (!issueNamesMessage(call)) bare.push(`src/${path}:${line}: ${call.slice(0, 100)}`);
      }
    }
    assert.deepEqual(bare, [], 'config issues without a catalogue message');
  });

  it('every usage.config.* message formats in every language, and an issue whose id the catalogue lacks cannot be made', () => {
    for (const lang of LANGS) {
      const t = translator(lang);
      const err = new ConfigError('a.json', [{ path: 'accounts[0].timeoutMs', msg: { msg: 'usage.config.range', params: { min: 1000, max: 600000, value: 5 } } }, { path: '', msg: { msg: 'usage.config.notJson', params: { error: 'x' } } }], (ref) => t.text(ref.msg as never, ref.params ?? {}));
      assert.match(err.message, /^a\.json: 2 \S+:\n {2}accounts\[0\]\.timeoutMs: \S.*\n {2}\S/, lang);
    }
    assert.throws(() => configError('a.json', [{ path: 'x', msg: { msg: 'usage.config.noSuchMessage' } }]));
  });

  it('the scanner sees a bare usage error (it can fail)', () => {
    assert.ok(!issueNamesMessage("(fieldPath(p, 'user'), 'needs a password')"), 'an English sentence where the id goes');
    assert.ok(!issueNamesMessage("({ path: 'x', message: `cannot read ${f}` })"), 'an issue pushed with English only');
    assert.ok(issueNamesMessage("(fieldPath(p, 'user'), 'usage.config.required')"));
    assert.ok(issueNamesMessage("({ path: 'x', msg: errorRef(err) })"));
    const text = "throw new UsageError(`x ${f(a, b)}`);";
    assert.doesNotMatch(callText(text, text.indexOf('(')), /,\s*\{\s*msg\b/);
    const keyed = "throw new UsageError('x (y)', { msg: 'usage.x' });";
    assert.match(callText(keyed, keyed.indexOf('(')), /,\s*\{\s*msg\b/);
  });
});
