/**
 * Text from outside (a server, a DNS name, the user's own input) shown on a terminal: control characters are
 * data, never terminal control. ESC would start an escape sequence (recolour, move the cursor, retitle the
 * window, rewrite what was printed), BEL rings, backspace and CR overwrite; invisible format characters
 * (zero-width space, joiners, bidi overrides, BOM) make two different strings look the same.
 */
// C0 controls except tab and LF, DEL, C1 controls; format characters (Cf); line and paragraph separators.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\x00-\x08\x0b-\x1f\x7f-\x9f\p{Cf}\u2028\u2029]/gu;
// The same, tab and LF included: for one-line contexts (a quoted input).
// eslint-disable-next-line no-control-regex
const UNSAFE_IN_LINE = /[\x00-\x1f\x7f-\x9f\p{Cf}\u2028\u2029]/gu;

function escape(c: string): string {
  const n = c.codePointAt(0)!;
  if (c === '\t') return '\\t';
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u{${n.toString(16)}}`;
}

/** Escape control and invisible characters; tab and newline are kept (multi-line text stays multi-line). */
export function escapeControls(text: string): string {
  return text.replace(UNSAFE, escape);
}

/** Whether `text` holds a character `quoteInput` would escape (tab and newline included). */
export function hasControls(text: string): boolean {
  UNSAFE_IN_LINE.lastIndex = 0;
  return UNSAFE_IN_LINE.test(text);
}

/** The user's input quoted for a one-line error message, every control or invisible character escaped. */
export function quoteInput(text: string): string {
  return `"${text.replace(UNSAFE_IN_LINE, escape)}"`;
}

/**
 * A copy of `value` with every string passed through `escapeControls`: what a text renderer starts from, so
 * that nothing a server, a certificate or a DNS answer said can reach the terminal as control (its own
 * colours are added after). JSON output needs none of this: JSON.stringify escapes control characters.
 */
export function escapeStrings<T>(value: T): T {
  if (typeof value === 'string') return escapeControls(value) as T;
  if (Array.isArray(value)) return value.map((v) => escapeStrings(v)) as T;
  if (value && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, escapeStrings(v)])) as T;
  }
  return value;
}

/**
 * JSON for a terminal or a pipe: JSON.stringify escapes C0 controls but leaves DEL, C1 controls (0x9b is a
 * one-byte CSI to some terminals) and invisible format characters raw; they are written as \uXXXX here,
 * which any JSON parser reads back as the same string.
 */
export function toJsonText(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(/[\x7f-\x9f\p{Cf}\u2028\u2029]/gu, (c) =>
    // One \uXXXX per UTF-16 unit: a format character above U+FFFF (tags) is a surrogate pair.
    Array.from({ length: c.length }, (_, i) => `\\u${c.charCodeAt(i).toString(16).padStart(4, '0')}`).join(''),
  );
}

/**
 * Order of names, keys and ISO timestamps by code unit, the same on every machine. Not `localeCompare`: its
 * first call loads the locale's collation data, ~5 ms of a check's critical path (issue 13), and a host name,
 * an option key or a timestamp has no language to collate in.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
