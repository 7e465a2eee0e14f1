import { domainToASCII, domainToUnicode } from 'node:url';
import { getDomain } from 'tldts';
import { UsageError } from '../lib/errors.js';
import { hasControls, quoteInput } from '../lib/text.js';
import type { ParsedAddress } from './types.js';

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
  if (typeof input !== 'string') throw new UsageError('the address must be a string');
  // A tab, a newline or a zero-width character is removed by domainToASCII (WHATWG URL rules) or invisible
  // on screen: the check would then be of another address than the one the user sees. Refused, not rewritten.
  if (hasControls(input)) throw new UsageError(`${quoteInput(input)} contains a control or invisible character`);
  const text = input.trim();
  if (text === '') throw new UsageError('no address given: expected local@domain');
  if (text.length > MAX_INPUT_CHARS) throw new UsageError(`the address is longer than ${MAX_INPUT_CHARS} characters`);
  const at = text.lastIndexOf('@');
  if (at < 0) throw new UsageError(`"${text}" is not an e-mail address: expected local@domain`);
  const localPart = text.slice(0, at);
  let rawDomain = text.slice(at + 1);
  if (localPart === '') throw new UsageError(`"${text}" has nothing before the @`);
  if (rawDomain === '') throw new UsageError(`"${text}" has nothing after the @`);
  if (!DOT_ATOM.test(localPart) && !QUOTED_STRING.test(localPart)) {
    throw new UsageError(`"${localPart}" is not a valid local part (spaces, a stray @, or dots at the start, the end or doubled)`);
  }
  if (Buffer.byteLength(localPart, 'utf8') > MAX_LOCAL_PART_OCTETS) {
    throw new UsageError(`the local part is longer than ${MAX_LOCAL_PART_OCTETS} octets (RFC 5321 §4.5.3.1.1)`);
  }
  if (rawDomain.startsWith('[')) {
    throw new UsageError('address literals (user@[192.0.2.1]) name no domain to discover servers for');
  }
  // domainToASCII would cut `example.test/evil`, `?x`, `#x` at the delimiter and decode `%61`: another domain
  // than the one typed. A domain holds letters, digits, hyphens and dots (IDNA's ideographic dots too), no more.
  const stray = /[^\p{L}\p{M}\p{N}.\-\u3002\uff0e\uff61]/u.exec(rawDomain);
  if (stray) throw new UsageError(`${quoteInput(text)} is not a valid address: its domain cannot contain ${quoteInput(stray[0])}`);
  if (rawDomain.endsWith('.')) rawDomain = rawDomain.slice(0, -1);
  const domain = domainToASCII(rawDomain).toLowerCase();
  if (domain === '') throw new UsageError(`"${rawDomain}" is not a valid domain name`);
  if (domain.length > MAX_DOMAIN_CHARS) throw new UsageError(`the domain is longer than ${MAX_DOMAIN_CHARS} characters`);
  const labels = domain.split('.');
  for (const label of labels) {
    if (label.length === 0 || label.length > MAX_LABEL_CHARS || !LDH_LABEL.test(label)) {
      throw new UsageError(`"${rawDomain}" is not a valid host name (label "${label}")`);
    }
  }
  if (labels.length < 2) throw new UsageError(`"${rawDomain}" is not a fully qualified domain (no dot)`);
  if (/^[0-9]+$/.test(labels[labels.length - 1]!)) throw new UsageError(`"${rawDomain}" looks like an IP address, not a domain`);
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

/** A host name we are willing to look up or connect to: LDH labels, 1..253 characters, at least one dot. */
export function isValidHostName(host: string): boolean {
  if (host.length === 0 || host.length > MAX_DOMAIN_CHARS) return false;
  const labels = host.toLowerCase().split('.');
  return labels.length >= 2 && labels.every((l) => LDH_LABEL.test(l));
}
