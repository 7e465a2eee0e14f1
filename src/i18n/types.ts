/**
 * What a message takes. Rules, the recommendation and the renderers speak in message ids and parameters; the
 * sentences live in the catalogues (src/i18n/<lang>/), ICU MessageFormat strings formatted by intl-messageformat.
 * Parameters are JSON data, so a report keeps them and a consumer never parses a sentence.
 */

/**
 * A parameter: a string, a number (plural/select input; formatted as digits, never grouped), a list (joined the
 * locale's way: "a, b and c" / "a, b e c"), or another message of the text catalogue with its own parameters
 * (shared phrases: "your address 198.51.100.77 (customer-77.isp.test)", a security word).
 */
export type MessageValue = string | number | readonly (string | MessageRef)[] | MessageRef;

export interface MessageRef {
  msg: string;
  params?: MessageParams;
}

export type MessageParams = { readonly [name: string]: MessageValue };

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
