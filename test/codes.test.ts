import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES, FINDING_CODES } from '../src/lib/codes.js';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

/** Quoted upper-case names with an underscore that are not ours: OpenSSL verdicts, errno, environment. */
const FOREIGN = /^(ERR_|EAI_|CERT_|ERROR_IN_CERT_|DEPTH_ZERO|SELF_SIGNED_CERT|UNABLE_TO|MAILDOCTOR_|NO_COLOR|FORCE_COLOR|XDG_|TESTCONTAINERS_|SASL_IR|LOGIN_REFERRALS|AUTH_PLAIN_OK)/;

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await sourceFiles(p)));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

// imapflow's discipline: the catalogue and the code agree both ways.
describe('code catalogue', () => {
  let used: Map<string, string>;
  /** Every quoted upper-case word, with or without an underscore ('ABORTED' is a code, and so is 'EHLO'-like text). */
  let words: Set<string>;
  before(async () => {
    used = new Map();
    words = new Set();
    for (const file of await sourceFiles(SRC)) {
      if (file.endsWith(path.join('lib', 'codes.ts'))) continue;
      const text = await readFile(file, 'utf8');
      for (const m of text.matchAll(/'([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)'/g)) used.set(m[1]!, path.relative(SRC, file));
      for (const m of text.matchAll(/'([A-Z][A-Z0-9_]+)'/g)) words.add(m[1]!);
    }
  });

  it('every code used in src/ is in the catalogue', () => {
    const known = new Set([...Object.keys(ERROR_CODES), ...Object.keys(FINDING_CODES)]);
    const unknown = [...used].filter(([code]) => !known.has(code) && !FOREIGN.test(code));
    assert.deepEqual(unknown, [], `codes used but not catalogued: ${unknown.map(([c, f]) => `${c} (${f})`).join(', ')}`);
  });

  it('every catalogued code is used somewhere in src/', () => {
    const unused = [...Object.keys(ERROR_CODES), ...Object.keys(FINDING_CODES)].filter((c) => !words.has(c));
    assert.deepEqual(unused, [], `catalogued but never used: ${unused.join(', ')}`);
  });

  it('every code has a one-line description', () => {
    for (const [code, text] of Object.entries({ ...ERROR_CODES, ...FINDING_CODES })) {
      assert.ok(text.length > 10 && !text.includes('\n'), `${code} needs a one-line description`);
    }
  });
});
