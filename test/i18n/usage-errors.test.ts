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
import { CATALOGUES } from '../../src/i18n/index.js';

const SRC = fileURLToPath(new URL('../../src', import.meta.url));

/**
 * Files whose usage errors are still English sentences, each with the work that will give them messages.
 * Remove a line when that work lands.
 */
const NOT_YET: Array<[prefix: string, why: string]> = [];

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
      for (const m of text.matchAll(/new UsageError\(/g)) {
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

  it('the scanner sees a bare usage error (it can fail)', () => {
    const text = "throw new UsageError(`x ${f(a, b)}`);";
    assert.doesNotMatch(callText(text, text.indexOf('(')), /,\s*\{\s*msg\b/);
    const keyed = "throw new UsageError('x (y)', { msg: 'usage.x' });";
    assert.match(callText(keyed, keyed.indexOf('(')), /,\s*\{\s*msg\b/);
  });
});
