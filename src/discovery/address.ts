import { domainToASCII, domainToUnicode } from 'node:url';
import { usageError } from '../i18n/index.js';
import { createRequire } from 'node:module';
import type * as Tldts from 'tldts';
import { hasControls, quoteInput } from '../lib/text.js';
import type { ParsedAddress } from './types.js';

// tldts is CommonJS: an ESM `import` of it makes Node scan its whole source (the public suffix list) for export
// names, 50-90 ms of every check's start-up; require() loads the same module in a tenth of that (issue 13).
const { getDomain } = createRequire(import.meta.url)('tldts') as typeof Tldts;

/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets. */
const MAX_LOCAL_PART_OCTETS = 64;
/** RFC 1035 §2.3.4: a name is at most 253 characters in text form, a label at most 63. */
const MAX_DOMAIN_CHARS = 253;
const MAX_LABEL_CHARS = 63;
/** A generous cap on what we even try to parse. */
const MAX_INPUT_CHARS = 512;

/** RFC 5322 atext, plus any non-ASCII character (RFC 6531 allows UTF-8 local parts). */
const DOT_ATOM = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+)*$/u;
/** RFC 5322 quoted-string without folding white space: printable ASCII (or UTF-8) except `"` and `\`, or quoted pairs. */
const QUOTED_STRING = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\u{10FFFF}]|\\[\x20-\x7e])*"$/u;
/** After A-label conversion every label is LDH; underscores are refused because no mail host name has one. */
const LDH_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

/**
 * Validate `local@domain` and normalise it: the domain to A-labels (UTS #46 via `domainToASCII`), lower case,
 * its registrable domain through tldts. Throws `UsageError` with a sentence saying what is wrong.
 */
export function parseAddress(input: string): ParsedAddress {
  if (typeof input !== 'string') throw usageError('usage.address.notString');
  // A tab, a newline or a zero-width character is removed by domainToASCII (WHATWG URL rules) or invisible
  // on screen: the check would then be of another address than the one the user sees. Refused, not rewritten.
  if (hasControls(input)) throw usageError('usage.address.controls', { quoted: quoteInput(input) });
  const text = input.trim();
  if (text === '') throw usageError('usage.address.empty');
  if (text.length > MAX_INPUT_CHARS) throw usageError('usage.address.tooLong', { max: MAX_INPUT_CHARS });
  const at = text.lastIndexOf('@');
  if (at < 0) throw usageError('usage.address.noAt', { text });
  const localPart = text.slice(0, at);
  let rawDomain = text.slice(at + 1);
  if (localPart === '') throw usageError('usage.address.noLocal', { text });
  if (rawDomain === '') throw usageError('usage.address.noDomain', { text });
  if (!DOT_ATOM.test(localPart) && !QUOTED_STRING.test(localPart)) {
    throw usageError('usage.address.badLocal', { localPart });
  }
  if (Buffer.byteLength(localPart, 'utf8') > MAX_LOCAL_PART_OCTETS) {
    throw usageError('usage.address.localTooLong', { max: MAX_LOCAL_PART_OCTETS });
  }
  if (rawDomain.startsWith('[')) {
    throw usageError('usage.address.literal');
  }
  // domainToASCII would cut `example.test/evil`, `?x`, `#x` at the delimiter and decode `%61`: another domain
  // than the one typed. A domain holds letters, digits, hyphens and dots (IDNA's ideographic dots too), no more.
  const stray = /[^\p{L}\p{M}\p{N}.\-\u3002\uff0e\uff61]/u.exec(rawDomain);
  if (stray) throw usageError('usage.address.strayChar', { quoted: quoteInput(text), char: quoteInput(stray[0]) });
  if (rawDomain.endsWith('.')) rawDomain = rawDomain.slice(0, -1);
  const domain = domainToASCII(rawDomain).toLowerCase();
  if (domain === '') throw usageError('usage.address.badDomain', { domain: rawDomain });
  if (domain.length > MAX_DOMAIN_CHARS) throw usageError('usage.address.domainTooLong', { max: MAX_DOMAIN_CHARS });
  const labels = domain.split('.');
  for (const label of labels) {
    if (label.length === 0 || label.length > MAX_LABEL_CHARS || !LDH_LABEL.test(label)) {
      throw usageError('usage.address.badLabel', { domain: rawDomain, label });
    }
  }
  if (labels.length < 2) throw usageError('usage.address.noDot', { domain: rawDomain });
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw usageError('usage.address.ip', { domain: rawDomain });
  return {
    input: text,
    address: `${localPart}@${domain}`,
    localPart,
    domain,
    unicodeDomain: domainToUnicode(domain) || domain,
    registrableDomain: registrableDomain(domain),
  };
}

/** The registrable domain of a host name by the public suffix list (ICANN section), or null. */
export function registrableDomain(host: string): string | null {
  const name = host.endsWith('.') ? host.slice(0, -1) : host;
  return getDomain(name.toLowerCase()) ?? null;
}

/**
 * An envelope address given as an option: a relay test's sender and recipient, `--send-test`'s recipient, the
 * exporter's relay module, the agent's relay recipient. One @, no white space or angle bracket, a dot in the
 * domain. THE check of such an address (there were four copies in two versions); `parseAddress` is for the
 * address a check is about.
 */
export function isEnvelopeAddress(text: string): boolean {
  return /^[^\s<>@]+@[^\s<>@]+\.[^\s<>@]+$/.test(text);
}

/** A host name we are willing to look up or connect to: LDH labels, 1..253 characters, at least one dot. */
export function isValidHostName(host: string): boolean {
  if (host.length === 0 || host.length > MAX_DOMAIN_CHARS) return false;
  const labels = host.toLowerCase().split('.');
  return labels.length >= 2 && labels.every((l) => LDH_LABEL.test(l));
}
