/**
 * A message by reference: a catalogue id and its parameters, formatted by src/i18n in the reader's language.
 * It lives here, importing nothing, because lib's errors carry one (`UsageError.msg`) and lib is below i18n.
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
