/**
 * Localised sentences: English and Italian catalogues keyed by finding code or text id, ICU MessageFormat
 * (FormatJS intl-messageformat) with parameters. Adding a finding code is one entry per language in
 * src/i18n/{en,it}/findings.ts; the typecheck fails when one is missing and test/i18n/catalogue.test.ts fails
 * when the two languages' placeholders differ.
 */
import { IntlMessageFormat } from 'intl-messageformat';
import type { FindingCode } from '../lib/codes.js';
import type { ErrorCode } from '../lib/codes.js';
import { ConfigError, type ConfigIssueRef } from '../lib/checker.js';
import { UsageError } from '../lib/errors.js';
import { EN_ERRORS } from './en/errors.js';
import { EN_FINDINGS } from './en/findings.js';
import { EN_TEXT, type TextId } from './en/text.js';
import { IT_ERRORS } from './it/errors.js';
import { IT_FINDINGS } from './it/findings.js';
import { IT_TEXT } from './it/text.js';
import { type FindingMessages, type Lang, type MessageParams, type MessageRef, type MessageValue } from './types.js';

export { isLang, langFromEnv } from './lang.js';
export { LANGS, type Lang, type MessageParams, type MessageValue, type MessageRef, type FindingMessages } from './types.js';
export type { TextId } from './en/text.js';

export interface Catalogue {
  findings: Record<FindingCode, FindingMessages>;
  errors: Record<ErrorCode, string>;
  text: Record<TextId, string>;
}

export const CATALOGUES: Record<Lang, Catalogue> = {
  en: { findings: EN_FINDINGS, errors: EN_ERRORS, text: EN_TEXT },
  it: { findings: IT_FINDINGS, errors: IT_ERRORS, text: IT_TEXT },
};

/** Something with a code-free wording: a finding as the report holds it. */
export interface Localisable {
  code: FindingCode;
  params: MessageParams;
}

export interface LocalisedFinding {
  summary: string;
  explanation: string;
  fix?: string;
}

export class Translator {
  readonly lang: Lang;
  readonly #cache = new Map<string, IntlMessageFormat>();
  /** Built on first use: loading the locale's list data costs ~10 ms of a run that may join no list (issue 13). */
  #list?: Intl.ListFormat;

  constructor(lang: Lang) {
    this.lang = lang;
  }

  /** A sentence of the text catalogue. */
  text(id: TextId, params: MessageParams = {}): string {
    return this.#format(`text:${id}`, CATALOGUES[this.lang].text[id], params);
  }

  /** The summary, explanation and (when it says something) the fix of a finding, in this language. */
  finding(f: Localisable): LocalisedFinding {
    const m = CATALOGUES[this.lang].findings[f.code];
    const fix = m.fix === undefined ? '' : this.#format(`fix:${f.code}`, m.fix, f.params).trim();
    return {
      summary: this.#format(`summary:${f.code}`, m.summary, f.params),
      explanation: this.#format(`explanation:${f.code}`, m.explanation, f.params),
      ...(fix ? { fix } : {}),
    };
  }

  /** The short phrase of an error code ("connection refused (nothing listens)"); the code itself if unknown. */
  error(code: string): string {
    return (CATALOGUES[this.lang].errors as Record<string, string>)[code] ?? code;
  }

  /** A list joined the locale's way. */
  list(items: readonly string[]): string {
    this.#list ??= new Intl.ListFormat(this.lang, { type: 'conjunction', style: 'long' });
    return this.#list.format(items);
  }

  #format(key: string, source: string, params: MessageParams): string {
    let mf = this.#cache.get(key);
    if (!mf) {
      mf = new IntlMessageFormat(source, this.lang, undefined, { ignoreTag: true });
      this.#cache.set(key, mf);
    }
    const values: Record<string, string | number> = {};
    for (const [name, value] of Object.entries(params)) values[name] = this.#value(value);
    return String(mf.format(values));
  }

  #value(v: MessageValue): string | number {
    if (typeof v === 'string' || typeof v === 'number') return v;
    if (Array.isArray(v)) return this.list(v.map((x: string | MessageRef) => (typeof x === 'string' ? x : this.#ref(x))));
    return this.#ref(v as MessageRef);
  }

  #ref(ref: MessageRef): string {
    return this.text(ref.msg as TextId, ref.params ?? {});
  }
}

/** A UsageError whose sentence comes from the catalogue: English in `message`, the reader's language in the CLI. */
export function usageError(id: TextId, params: MessageParams = {}): UsageError {
  return new UsageError(translator('en').text(id, params), { msg: id, params });
}

/** A ConfigError whose sentences come from the catalogue: English in `message`, the reader's language in the CLI. */
export function configError(source: string, issues: readonly ConfigIssueRef[]): ConfigError {
  const en = translator('en');
  return new ConfigError(source, issues, (ref) => en.text(ref.msg as TextId, ref.params ?? {}));
}

const translators = new Map<Lang, Translator>();

/** One translator per language (formatters are compiled once and kept). */
export function translator(lang: Lang = 'en'): Translator {
  let t = translators.get(lang);
  if (!t) translators.set(lang, (t = new Translator(lang)));
  return t;
}
