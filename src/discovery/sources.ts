/**
 * The sources of discovery, each bounded by discovery's deadline: a placeholder stands in for a lookup the
 * deadline cut short (`settleBy`), so a slow source is reported as `timeout`, never waited for. And the one
 * status line per source that the result and the CLI show.
 */
import { settleBy } from '../lib/deadline.js';
import type { DnsClient } from '../lookup/dns-client.js';
import { abortError } from '../lookup/session.js';
import { registrableDomain } from './address.js';
import { DMARC_TAG, lookupMx, lookupSrv, lookupTxt, SRV_SERVICES } from './dns-lookups.js';
import type { AddressFacts, AutoconfigFacts, DiscoveryError, DiscoveryResult, GuessFacts, MailRole, MxFacts, ParsedAddress, SourceStatus, SrvFacts, TxtFacts } from './types.js';

function placeholderLookup(name: string, type: string, signal: AbortSignal): { name: string; type: string; ok: false; attempts: number; durationMs: number; error: DiscoveryError } {
  return { name, type, ok: false, attempts: 0, durationMs: 0, error: abortError(signal, `${type} ${name}`) };
}

/** The domain's MX records. */
export function mxSource(dns: DnsClient, domain: string, signal: AbortSignal): Promise<MxFacts> {
  return settleBy(lookupMx(dns, domain, signal), signal, (): MxFacts => ({ ...placeholderLookup(domain, 'MX', signal), records: [], nullMx: false }));
}

/** The six SRV services of RFC 6186/8314 under the domain. */
export function srvSources(dns: DnsClient, domain: string, signal: AbortSignal): Promise<SrvFacts[]> {
  return Promise.all(
    SRV_SERVICES.map(({ service, role, security }) =>
      settleBy(lookupSrv(dns, domain, service, signal), signal, (): SrvFacts => ({
        ...placeholderLookup(`${service}.${domain}`, 'SRV', signal),
        service,
        role,
        security,
        records: [],
        notOffered: false,
      })),
    ),
  );
}

/** TXT records at `name` carrying `tag`. */
export function txtSource(dns: DnsClient, name: string, tag: RegExp, signal: AbortSignal): Promise<TxtFacts> {
  return settleBy(lookupTxt(dns, name, tag, signal), signal, (): TxtFacts => ({ ...placeholderLookup(name, 'TXT', signal), records: [], matching: [] }));
}

/** The DMARC policy: the domain's, else (RFC 7489 §6.6.3) the organizational domain's. */
export async function dmarcSource(dns: DnsClient, address: ParsedAddress, signal: AbortSignal): Promise<TxtFacts> {
  const r = await txtSource(dns, `_dmarc.${address.domain}`, DMARC_TAG, signal);
  const org = address.registrableDomain;
  if (r.matching.length > 0 || !org || org === address.domain || signal.aborted) return r;
  const orgRes = await txtSource(dns, `_dmarc.${org}`, DMARC_TAG, signal);
  return orgRes.matching.length > 0 ? orgRes : r;
}

/** A guessed host name and whether it resolves. */
export function guessSource(resolve: (host: string) => Promise<AddressFacts>, signal: AbortSignal) {
  return (host: string, roles: MailRole[], basis: GuessFacts['basis']): Promise<GuessFacts> =>
    settleBy(
      resolve(host).then((f) => ({
        host,
        roles,
        basis,
        resolves: f.addresses.length > 0,
        addresses: f.addresses,
        ...(f.error && f.addresses.length === 0 ? { error: f.error } : {}),
      })),
      signal,
      () => ({ host, roles, basis, resolves: false, addresses: [], error: abortError(signal, `A/AAAA ${host}`) }),
    );
}

/** Hosted mail: the MX hosts' registrable domains (mx1.provider.test → provider.test) other than the address's, at most 3. */
export function mxDomains(address: ParsedAddress, mx: MxFacts): string[] {
  const own = address.registrableDomain ?? address.domain;
  const set = new Set<string>();
  for (const r of mx.records) {
    if (r.exchange === '.') continue;
    const reg = registrableDomain(r.exchange);
    if (reg && reg !== own && reg !== address.domain) set.add(reg);
  }
  return [...set].slice(0, 3);
}

/** Every host's address facts, once all lookups are settled or abandoned (a placeholder for the abandoned). */
export async function settledHosts(asked: ReadonlyMap<string, Promise<AddressFacts>>, signal: AbortSignal): Promise<Map<string, AddressFacts>> {
  const hosts = new Map<string, AddressFacts>();
  await Promise.all(
    [...asked.entries()].map(async ([h, p]) => {
      hosts.set(h, await settleBy(p, signal, () => ({ host: h, addresses: [], status: 'error', error: abortError(signal, `A/AAAA ${h}`), a: placeholderLookup(h, 'A', signal), aaaa: placeholderLookup(h, 'AAAA', signal) })));
    }),
  );
  return hosts;
}

function lookupState(ok: boolean, found: boolean, error: DiscoveryError | undefined): SourceStatus['state'] {
  if (found) return 'found';
  if (ok || error?.code === 'DNS_NOT_FOUND') return 'not-found';
  return error?.code === 'DNS_TIMEOUT' ? 'timeout' : 'error';
}

/** One status per source, with the error that kept it from an answer. */
export function sourceStatuses(f: Omit<DiscoveryResult['facts'], 'hosts' | 'ispdbMx'> & { ispdbMx: AutoconfigFacts | undefined }): SourceStatus[] {
  const out: SourceStatus[] = [];
  const withError = (st: SourceStatus, e: DiscoveryError | undefined): SourceStatus => (e && st.state !== 'found' ? { ...st, error: e } : st);
  out.push(
    withError(
      {
        source: 'mx',
        state: lookupState(f.mx.ok, f.mx.records.length > 0, f.mx.error),
        ...(f.mx.nullMx ? { detail: 'null MX (RFC 7505): the domain accepts no mail' } : f.mx.records.length > 0 ? { detail: f.mx.records.map((r) => `${r.preference} ${r.exchange}`).join(', ') } : {}),
      },
      f.mx.error,
    ),
  );
  const srvFound = f.srv.filter((x) => x.records.length > 0);
  const srvError = f.srv.find((x) => !x.ok && x.error?.code !== 'DNS_NOT_FOUND')?.error;
  out.push(
    withError(
      {
        source: 'srv',
        state: srvFound.length > 0 ? 'found' : srvError ? (srvError.code === 'DNS_TIMEOUT' ? 'timeout' : 'error') : 'not-found',
        ...(srvFound.length > 0 ? { detail: srvFound.map((x) => (x.notOffered ? `${x.service} not offered` : x.service)).join(', ') } : {}),
      },
      srvError,
    ),
  );
  for (const [source, t] of [
    ['spf', f.spf],
    ['dmarc', f.dmarc],
    ['mta-sts', f.mtaSts],
  ] as const) {
    out.push(withError({ source, state: lookupState(t.ok, t.matching.length > 0, t.error), ...(t.matching.length > 0 ? { detail: t.matching.join(' | ') } : {}) }, t.error));
  }
  for (const [source, a] of [
    ['autoconfig', f.autoconfig],
    ['ispdb', f.ispdb],
    ['ispdb-mx', f.ispdbMx],
  ] as const) {
    if (!a) continue;
    const detail = a.state === 'found' ? `${a.url}${a.insecure ? ' (insecure: plain HTTP)' : ''}` : a.skippedReason;
    out.push(withError({ source, state: a.state, ...(detail ? { detail } : {}) }, a.error));
  }
  const resolving = f.guesses.filter((g) => g.resolves);
  const guessError = f.guesses.find((g) => !g.resolves && g.error && g.error.code !== 'DNS_NOT_FOUND')?.error;
  out.push(
    withError(
      {
        source: 'guess',
        state: resolving.length > 0 ? 'found' : guessError ? (guessError.code === 'DNS_TIMEOUT' ? 'timeout' : 'error') : 'not-found',
        detail: `${resolving.length} of ${f.guesses.length} resolve${resolving.length > 0 ? `: ${resolving.map((g) => g.host).join(', ')}` : ''}`,
      },
      guessError,
    ),
  );
  return out;
}
