/**
 * SPF (RFC 7208) evaluated for one question: would mail from `sender`, sent by the server at `ip`, pass at a
 * recipient? Pure: it reads DNS answers from a table (recorded by the check, src/check/spf-facts.ts) and never
 * asks DNS itself. When the table lacks an answer it needs, it says which (`incomplete` with `missing`), so
 * the check can ask and evaluate again; the report evaluates the same table and gets the same result.
 *
 * Implemented: record selection (§4.5), include (§5.2), redirect (§6.1), a, mx, exists, ip4/ip6, all, macros
 * (§7), the limits of §4.6.4 (10 DNS-querying terms, 2 void lookups, 10 MX names) and permerror/temperror.
 * `ptr` (§5.5: SHOULD NOT be used; receivers differ) is not evaluated: reaching it gives `neutral`, said so.
 */
import net from 'node:net';
import { expandIpv6 } from '../lookup/records.js';
import { translator, type TextId } from '../i18n/index.js';

export type SpfResult = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'permerror' | 'temperror';
export type SpfQueryType = 'TXT' | 'A' | 'AAAA' | 'MX';

/** One recorded DNS answer: `void` is NXDOMAIN or no record of the type (§4.6.4), `error` a failed query. */
export interface SpfDnsAnswer {
  name: string;
  type: SpfQueryType;
  status: 'ok' | 'void' | 'error';
  /** TXT: the records (strings of one record joined); A/AAAA: addresses; MX: exchange names. */
  data: string[];
}

export interface SpfQuestion {
  /** The domain whose policy is asked (the sender's domain). */
  domain: string;
  /** The sending server's address (the hybrid server). */
  ip: string;
  /** MAIL FROM (for the %{s} %{l} %{o} macros). */
  sender: string;
  /** The sending server's HELO name (%{h}). */
  helo: string;
}

export interface SpfEvaluation {
  result: SpfResult | 'incomplete';
  /** The term that decided, with the domain whose record holds it: `ip4:203.0.113.0/24 in _spf.example.test`. */
  decidedBy?: string;
  /** Why a permerror, temperror or a ptr-neutral, in English (logs, evidence). */
  reason?: string;
  /** The same as a message of the text catalogue (`spf.*`), which a report says in the reader's language. */
  reasonMsg?: SpfReason;
  /** DNS-querying terms and void lookups counted (§4.6.4). */
  dnsTerms: number;
  voidLookups: number;
  /** Answers the table lacks (when `incomplete`). */
  missing: Array<{ name: string; type: SpfQueryType }>;
}

export type SpfLookup = (name: string, type: SpfQueryType) => SpfDnsAnswer | undefined;

/** RFC 7208 §4.6.4 limits. */
export const SPF_MAX_DNS_TERMS = 10;
export const SPF_MAX_VOID_LOOKUPS = 2;
export const SPF_MAX_MX_NAMES = 10;

/** Why an evaluation ended without a verdict: an `spf.*` message of the text catalogue and its parameters. */
export interface SpfReason {
  msg: TextId & `spf.${string}`;
  params: Record<string, string | number>;
}

const QUALIFIER: Record<string, SpfResult> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

/** Thrown inside the evaluation to end it with a result (or a need for answers). */
class Stop {
  constructor(
    readonly result: SpfResult | 'incomplete',
    readonly reason?: SpfReason,
    readonly missing: Array<{ name: string; type: SpfQueryType }> = [],
  ) {}
}

function why(msg: SpfReason['msg'], params: SpfReason['params'] = {}): SpfReason {
  return { msg, params };
}

/** A lookup table over recorded answers (names compared without case or trailing dot). */
export function spfTable(answers: readonly SpfDnsAnswer[]): SpfLookup {
  const map = new Map(answers.map((a) => [`${norm(a.name)} ${a.type}`, a]));
  return (name, type) => map.get(`${norm(name)} ${type}`);
}

function norm(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

export function evaluateSpf(q: SpfQuestion, lookup: SpfLookup): SpfEvaluation {
  const state = { dnsTerms: 0, voidLookups: 0 };
  const done = (result: SpfResult | 'incomplete', extra: Partial<SpfEvaluation> = {}): SpfEvaluation => ({ result, ...state, missing: [], ...extra });
  try {
    const r = checkHost(q, q.domain, lookup, state);
    return done(r.result, r.decidedBy ? { decidedBy: r.decidedBy } : {});
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return done(e.result, { ...(e.reason ? { reason: translator('en').text(e.reason.msg, e.reason.params), reasonMsg: e.reason } : {}), missing: e.missing });
  }
}

interface Counters {
  dnsTerms: number;
  voidLookups: number;
}

/** check_host() of §4 for one domain (a missing record is `none`; include and redirect make it a permerror). */
function checkHost(q: SpfQuestion, domain: string, lookup: SpfLookup, c: Counters): { result: SpfResult; decidedBy?: string } {
  const txt = need(lookup, domain, 'TXT');
  if (txt.status === 'error') throw new Stop('temperror', why('spf.lookupFailed', { type: 'TXT', name: domain }));
  // §4.5: records that begin with "v=spf1" followed by a space or the end.
  const records = txt.data.filter((t) => /^v=spf1( |$)/i.test(t));
  if (records.length === 0) return { result: 'none' };
  if (records.length > 1) throw new Stop('permerror', why('spf.manyRecords', { domain, count: records.length }));
  const terms = records[0]!.split(' ').slice(1).filter(Boolean);
  let redirect: string | undefined;
  for (const term of terms) {
    const mod = /^([a-z][a-z0-9_.-]*)=(.*)$/i.exec(term);
    if (mod) {
      const name = mod[1]!.toLowerCase();
      if (name === 'redirect') {
        if (redirect !== undefined) throw new Stop('permerror', why('spf.twoRedirects', { domain }));
        redirect = mod[2]!;
      }
      continue; // exp= and unknown modifiers do not change the result (§6)
    }
    const m = /^([+\-~?]?)([a-z][a-z0-9_.-]*)(?::([^/]*))?((?:\/\d+)?(?:\/\/\d+)?)$/i.exec(term);
    if (!m) throw new Stop('permerror', why('spf.badTerm', { domain, term }));
    const qualifier = QUALIFIER[m[1] || '+']!;
    const mech = m[2]!.toLowerCase();
    const arg = m[3];
    const cidr = parseCidr(m[4] ?? '', domain, term);
    const hit = matches(q, domain, mech, arg, cidr, term, lookup, c);
    if (hit !== false) return { result: qualifier, decidedBy: `${term} in ${domain}${hit ? ` → ${hit}` : ''}` };
  }
  if (redirect !== undefined) {
    countTerm(c);
    const target = expand(redirect, q, domain);
    const r = checkHost(q, target, lookup, c);
    // §6.1: a redirect to a domain without an SPF record is a permerror.
    if (r.result === 'none') throw new Stop('permerror', why('spf.redirectNone', { target }));
    return r;
  }
  return { result: 'neutral', decidedBy: `no term matched in ${domain} (default neutral, §4.7)` };
}

/** Whether the mechanism matches: `false`, or the path inside an include that matched ('' for others). */
function matches(q: SpfQuestion, domain: string, mech: string, arg: string | undefined, cidr: Cidr, term: string, lookup: SpfLookup, c: Counters): false | string {
  const yes = (b: boolean): false | string => (b ? '' : false);
  const family = net.isIP(q.ip) === 6 ? 6 : 4;
  const target = (): string => (arg === undefined || arg === '' ? domain : expand(arg, q, domain));
  switch (mech) {
    case 'all':
      return '';
    case 'ip4':
    case 'ip6': {
      if (!arg || net.isIP(arg) !== (mech === 'ip4' ? 4 : 6)) throw new Stop('permerror', why('spf.badNetwork', { domain, term, mech }));
      const bits = mech === 'ip4' ? cidr.v4 : cidr.v6 ?? cidr.v4;
      return yes(inCidr(q.ip, `${arg}/${bits ?? (mech === 'ip4' ? 32 : 128)}`));
    }
    case 'include': {
      countTerm(c);
      if (!arg) throw new Stop('permerror', why('spf.includeNoDomain', { domain }));
      const r = checkHost(q, expand(arg, q, domain), lookup, c);
      // §5.2: pass matches; fail/softfail/neutral do not; none is a permerror; errors propagate.
      if (r.result === 'none') throw new Stop('permerror', why('spf.includeNone', { target: expand(arg, q, domain) }));
      if (r.result === 'temperror' || r.result === 'permerror') throw new Stop(r.result);
      return r.result === 'pass' ? (r.decidedBy ?? '') : false;
    }
    case 'a': {
      countTerm(c);
      return yes(addressesOf(target(), family, lookup, c).some((a) => inCidr(q.ip, `${a}/${family === 4 ? (cidr.v4 ?? 32) : (cidr.v6 ?? 128)}`)));
    }
    case 'mx': {
      countTerm(c);
      const mx = answer(lookup, target(), 'MX', c);
      if (mx.length > SPF_MAX_MX_NAMES) throw new Stop('permerror', why('spf.tooManyMx', { target: target(), max: SPF_MAX_MX_NAMES }));
      // Ask every exchange's addresses at once: one round of DNS, not one per host.
      const missing = mx.map((h) => ({ name: h, type: family === 4 ? ('A' as const) : ('AAAA' as const) })).filter((x) => lookup(x.name, x.type) === undefined);
      if (missing.length) throw new Stop('incomplete', undefined, missing);
      return yes(mx.some((h) => addressesOf(h, family, lookup, c).some((a) => inCidr(q.ip, `${a}/${family === 4 ? (cidr.v4 ?? 32) : (cidr.v6 ?? 128)}`))));
    }
    case 'exists': {
      countTerm(c);
      if (!arg) throw new Stop('permerror', why('spf.existsNoDomain', { domain }));
      // §5.7: an A query whatever the connection's family; any answer matches.
      return yes(answer(lookup, expand(arg, q, domain), 'A', c).length > 0);
    }
    case 'ptr':
      countTerm(c);
      throw new Stop('neutral', why('spf.ptr', { term, domain }));
    default:
      throw new Stop('permerror', why('spf.unknownMechanism', { domain, mech }));
  }
}

function countTerm(c: Counters): void {
  if (++c.dnsTerms > SPF_MAX_DNS_TERMS) throw new Stop('permerror', why('spf.tooManyTerms', { max: SPF_MAX_DNS_TERMS }));
}

function need(lookup: SpfLookup, name: string, type: SpfQueryType): SpfDnsAnswer {
  const a = lookup(name, type);
  if (!a) throw new Stop('incomplete', undefined, [{ name: norm(name), type }]);
  return a;
}

/** The data of an answer a mechanism needs; a void one counts against the limit, a failed one is a temperror. */
function answer(lookup: SpfLookup, name: string, type: SpfQueryType, c: Counters): string[] {
  const a = need(lookup, name, type);
  if (a.status === 'error') throw new Stop('temperror', why('spf.lookupFailed', { type, name }));
  if (a.status === 'void' || a.data.length === 0) {
    if (++c.voidLookups > SPF_MAX_VOID_LOOKUPS) throw new Stop('permerror', why('spf.tooManyVoid', { max: SPF_MAX_VOID_LOOKUPS }));
    return [];
  }
  return a.data;
}

function addressesOf(host: string, family: 4 | 6, lookup: SpfLookup, c: Counters): string[] {
  return answer(lookup, host, family === 4 ? 'A' : 'AAAA', c);
}

interface Cidr {
  v4?: number;
  v6?: number;
}

function parseCidr(text: string, domain: string, term: string): Cidr {
  const m = /^(?:\/(\d+))?(?:\/\/(\d+))?$/.exec(text)!;
  const v4 = m[1] === undefined ? undefined : Number(m[1]);
  const v6 = m[2] === undefined ? undefined : Number(m[2]);
  if ((v4 !== undefined && v4 > 32 && !/^ip6/i.test(term)) || (v4 !== undefined && v4 > 128) || (v6 !== undefined && v6 > 128)) {
    throw new Stop('permerror', why('spf.badPrefix', { domain, term }));
  }
  return { ...(v4 !== undefined ? { v4 } : {}), ...(v6 !== undefined ? { v6 } : {}) };
}

/** RFC 7208 §7: macro expansion of a domain-spec. */
export function expand(spec: string, q: SpfQuestion, domain: string): string {
  const [local = 'postmaster', senderDomain = domain] = q.sender.includes('@') ? [q.sender.slice(0, q.sender.lastIndexOf('@')), q.sender.slice(q.sender.lastIndexOf('@') + 1)] : ['postmaster', q.sender];
  const v6 = net.isIP(q.ip) === 6;
  const values: Record<string, string> = {
    s: `${local}@${senderDomain}`,
    l: local,
    o: senderDomain,
    d: domain,
    i: v6 ? expandIpv6(q.ip).replace(/:/g, '').split('').join('.') : q.ip,
    p: 'unknown', // §7.3: the validated name of the client; "unknown" is allowed and is what we know
    v: v6 ? 'ip6' : 'in-addr',
    h: q.helo,
  };
  const out = spec.replace(/%(?:\{([a-z])(\d*)(r?)([.\-+,/_=]*)\}|(.))/gi, (whole, letter?: string, digits?: string, rev?: string, delims?: string, other?: string) => {
    if (other !== undefined) {
      if (other === '%') return '%';
      if (other === '_') return ' ';
      if (other === '-') return '%20';
      throw new Stop('permerror', why('spf.badMacro', { macro: whole, spec }));
    }
    const value = values[letter!.toLowerCase()];
    if (value === undefined) throw new Stop('permerror', why('spf.macroNotAllowed', { macro: whole, spec }));
    let parts = value.split(new RegExp(`[${(delims || '.').replace(/[-\\\]]/g, '\\$&')}]`));
    if (rev) parts = parts.reverse();
    if (digits) {
      const n = Number(digits);
      if (n === 0) throw new Stop('permerror', why('spf.macroZero', { macro: whole }));
      parts = parts.slice(-n);
    }
    return parts.join('.');
  });
  // §7.3: a result longer than 253 octets loses labels from the left.
  let name = out.replace(/\.$/, '');
  while (name.length > 253 && name.includes('.')) name = name.slice(name.indexOf('.') + 1);
  return name;
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/') as [string, string | undefined];
  const family = net.isIP(ip);
  if (family === 0 || family !== net.isIP(base)) return false;
  const bits = bitsText === undefined ? (family === 4 ? 32 : 128) : Number(bitsText);
  const list = new net.BlockList();
  try {
    list.addSubnet(base, bits, family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** DMARC policy (RFC 7489 §6.3): p= of the record, or undefined. */
export function dmarcPolicy(record?: string): 'none' | 'quarantine' | 'reject' | undefined {
  const m = record ? /(?:^|;)\s*p\s*=\s*(none|quarantine|reject)\s*(?:;|$)/i.exec(record) : null;
  return m ? (m[1]!.toLowerCase() as 'none' | 'quarantine' | 'reject') : undefined;
}
