/**
 * The message catalogues (src/i18n): every finding code has its sentences in every language, every message parses
 * as ICU MessageFormat, the languages' placeholders are the same, every message a report refers to exists, and
 * every finding of every fixture formats in every language with nothing left unformatted.
 */
import assert from 'node:assert/strict';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { CATALOGUES, langFromEnv, LANGS, translator, type MessageParams, type MessageValue } from '../../src/i18n/index.js';
import { ERROR_CODES, FINDING_CODES } from '../../src/lib/codes.js';
import { EXIT_MEANINGS } from '../../src/lib/exit-codes.js';
import { buildReport } from '../../src/report/index.js';
import { ALL_FIXTURES } from '../helpers/report/fixtures.js';

/** The argument names a message uses, nested ones included (plural, select and their branches). */
function placeholders(source: string): string[] {
  const names = new Set<string>();
  const walk = (els: MessageFormatElement[]): void => {
    for (const el of els) {
      if (el.type === TYPE.literal || el.type === TYPE.pound) continue;
      if ('value' in el && typeof el.value === 'string') names.add(el.value);
      if (el.type === TYPE.plural || el.type === TYPE.select) for (const o of Object.values(el.options)) walk(o.value);
      if (el.type === TYPE.tag) walk(el.children);
    }
  };
  walk(parse(source, { ignoreTag: true }));
  return [...names].sort();
}

/** Every (language, key, source) of the catalogues. */
function* messages(): Generator<[string, string, string]> {
  for (const lang of LANGS) {
    const c = CATALOGUES[lang];
    for (const [code, m] of Object.entries(c.findings)) for (const [part, source] of Object.entries(m)) yield [lang, `findings.${code}.${part}`, source];
    for (const [id, source] of Object.entries(c.errors)) yield [lang, `errors.${id}`, source];
    for (const [id, source] of Object.entries(c.text)) yield [lang, `text.${id}`, source];
  }
}

function refsOf(value: MessageValue | MessageParams | undefined, out: string[] = []): string[] {
  if (!value || typeof value !== 'object') return out;
  if (Array.isArray(value)) for (const v of value) refsOf(v, out);
  else if ('msg' in value && typeof value.msg === 'string') {
    out.push(value.msg);
    refsOf((value as { params?: MessageParams }).params, out);
  } else for (const v of Object.values(value as MessageParams)) refsOf(v, out);
  return out;
}

describe('i18n: the message catalogues', () => {
  for (const lang of LANGS) {
    it(`${lang}: every finding code of src/lib/codes.ts has a summary and an explanation, and nothing else is there`, () => {
      assert.deepEqual(Object.keys(CATALOGUES[lang].findings).sort(), Object.keys(FINDING_CODES).sort());
      for (const [code, m] of Object.entries(CATALOGUES[lang].findings)) assert.ok(m.summary && m.explanation, `${lang} ${code}`);
    });
    it(`${lang}: every error code has its short phrase`, () => {
      assert.deepEqual(Object.keys(CATALOGUES[lang].errors).sort(), Object.keys(ERROR_CODES).sort());
    });
  }

  it('every message parses as ICU MessageFormat, and uses no straight apostrophe (it would quote ICU syntax)', () => {
    for (const [lang, key, source] of messages()) {
      assert.doesNotThrow(() => parse(source, { ignoreTag: true }), `${lang} ${key}`);
      assert.ok(!source.includes("'"), `${lang} ${key}: write ’, not '`);
    }
  });

  it('the languages have the same keys and, message by message, the same placeholders', () => {
    const byKey = new Map<string, Map<string, string[]>>();
    for (const [lang, key, source] of messages()) {
      if (!byKey.has(key)) byKey.set(key, new Map());
      byKey.get(key)!.set(lang, placeholders(source));
    }
    for (const [key, langs] of byKey) {
      assert.deepEqual([...langs.keys()].sort(), [...LANGS].sort(), `${key} is missing in a language`);
      const [first, ...rest] = [...langs.values()];
      for (const other of rest) assert.deepEqual(other, first, `${key}: placeholders differ between languages`);
    }
  });

  it('--help’s English exit-code meanings are EXIT_MEANINGS, code for code (README.md is held to those)', () => {
    const inHelp = Object.keys(CATALOGUES.en.text).filter((k) => k.startsWith('help.exit.')).map((k) => k.slice('help.exit.'.length));
    assert.deepEqual(inHelp.sort(), Object.keys(EXIT_MEANINGS).sort());
    for (const [code, meaning] of Object.entries(EXIT_MEANINGS)) assert.equal((CATALOGUES.en.text as Record<string, string>)[`help.exit.${code}`], meaning, `exit ${code}`);
  });

  it('the test sees a differing placeholder (it can fail)', () => {
    assert.notDeepEqual(placeholders('{a} and {b, plural, one {# x {c}} other {y}}'), placeholders('{a} e {b, plural, one {# x} other {y}}'));
    assert.deepEqual(placeholders('{a} and {b, plural, one {# x {c}} other {y}}'), ['a', 'b', 'c']);
  });

  for (const { label, load } of ALL_FIXTURES) {
    it(`${label}: every finding, reason and note formats in every language; every message it names exists`, () => {
      const report = buildReport(load());
      const rec = report.recommendation;
      const refs = report.findings.flatMap((f) => refsOf(f.params));
      for (const s of [rec.incoming, rec.outgoing, ...rec.alternatives]) if (s) refs.push(...refsOf(s.reason));
      refs.push(...rec.notes.flatMap((n) => refsOf(n)));
      for (const id of refs) assert.ok(Object.hasOwn(CATALOGUES.en.text, id), `${label}: message ${id} is not in the text catalogue`);
      for (const lang of LANGS) {
        const t = translator(lang);
        for (const f of report.findings) {
          const m = t.finding(f);
          for (const text of [m.summary, m.explanation, m.fix ?? '']) assert.doesNotMatch(text, /[{}]/, `${lang} ${f.code}: ${text}`);
        }
        for (const n of rec.notes) assert.doesNotMatch(t.text(n.msg as never, n.params ?? {}), /[{}]/);
      }
    });
  }

  it('the language comes from LC_ALL, then LC_MESSAGES, then LANG; anything without a catalogue is English', () => {
    assert.equal(langFromEnv({ LANG: 'it_IT.UTF-8' }), 'it');
    assert.equal(langFromEnv({ LC_ALL: 'en_GB.UTF-8', LANG: 'it_IT.UTF-8' }), 'en');
    assert.equal(langFromEnv({ LC_MESSAGES: 'it_CH', LANG: 'en_US.UTF-8' }), 'it');
    assert.equal(langFromEnv({ LC_ALL: '', LANG: 'it' }), 'it');
    assert.equal(langFromEnv({ LANG: 'C' }), 'en');
    assert.equal(langFromEnv({ LANG: 'de_DE.UTF-8' }), 'en');
    assert.equal(langFromEnv({}), 'en');
  });

  it('lists are joined the language’s way, and ports are never digit-grouped', () => {
    assert.equal(translator('en').list(['a', 'b', 'c']), 'a, b, and c');
    assert.equal(translator('it').list(['a', 'b', 'c']), 'a, b e c');
    assert.equal(translator('it').text('setting.line', { host: 'h', port: 2525, security: 's', auth: 'a' }), 'h, porta 2525, s, a');
  });
});
