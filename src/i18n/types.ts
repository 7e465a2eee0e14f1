/**
 * What a message takes. Rules, the recommendation and the renderers speak in message ids and parameters; the
 * sentences live in the catalogues (src/i18n/<lang>/), ICU MessageFormat strings formatted by intl-messageformat.
 * Parameters are JSON data, so a report keeps them and a consumer never parses a sentence.
 */

// The message reference is declared in lib/ (an error of lib carries one, and lib is below i18n); the
// catalogues speak it under the same names.
export type { MessageParams, MessageRef, MessageValue } from '../lib/message.js';

/** The sentences of one finding code. `fix` may format to an empty string: then the finding has no fix. */
export interface FindingMessages {
  /** One line. */
  summary: string;
  /** A few sentences in plain language. */
  explanation: string;
  fix?: string;
}

export const LANGS = ['en', 'it'] as const;
export type Lang = (typeof LANGS)[number];
