import { escapeStrings, toJsonText } from '../lib/text.js';
import { EXIT } from '../lib/exit-codes.js';
import { readCaFile, throwIfInterrupted, type Io } from './io.js';
import { discover } from '../discovery/index.js';
import type { DiscoverOptions, DiscoveryResult, MailRole, ServerCandidate, SourceState } from '../discovery/index.js';
import { networkIdentity, type NetworkIdentity, type NetworkIdentityOptions } from '../network/index.js';
import type { TextId, Translator } from '../i18n/index.js';

/** Where these commands write (a subset of the CLI's Io, so that embedders need only two streams; English without `lang`). */
export type CommandIo = Pick<Io, 'stdout' | 'stderr' | 'signal' | 'lang'>;

/** The reader's translator, loaded only for the text output (JSON has no words to load). */
async function textTranslator(io: CommandIo): Promise<Translator> {
  return (await import('../i18n/index.js')).translator(io.lang ?? 'en');
}

/**
 * `maildoctor discover ADDRESS`: list the candidate servers of an address.
 * @param opts.timeout overall deadline in milliseconds
 * @param opts.ca path of a PEM file of extra trusted CAs (for autoconfig over HTTPS)
 * @param overrides further `discover()` options (tests, embedding)
 * @returns 0 when at least one candidate server resolves, 1 when none does; throws UsageError (exit 2, mapped by main)
 */
export interface DiscoverCommandOptions {
  json?: boolean;
  dns?: readonly string[];
  timeout?: number;
  ca?: string;
  /** commander's --ispdb URL / --no-ispdb */
  ispdb?: string | boolean;
}

export type NetworkCommandOptions = Omit<DiscoverCommandOptions, 'ca'> & { echoUrl?: string };

/** --ispdb URL or --no-ispdb as the library's `ispdbBaseUrl`, or nothing for the default. */
function ispdbOption(ispdb: string | boolean | undefined): { ispdbBaseUrl?: string | false } {
  return ispdb === false ? { ispdbBaseUrl: false } : typeof ispdb === 'string' ? { ispdbBaseUrl: ispdb } : {};
}

export async function discoverCommand(address: string, opts: DiscoverCommandOptions, io: CommandIo, overrides: Partial<DiscoverOptions> = {}): Promise<number> {
  const ca = opts.ca === undefined ? undefined : await readCaFile(opts.ca);
  const result: DiscoveryResult = await discover(address, {
    ...(opts.dns?.length ? { dns: [...opts.dns] } : {}),
    ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout } : {}),
    ...(ca !== undefined ? { ca } : {}),
    ...ispdbOption(opts.ispdb),
    ...(io.signal ? { signal: io.signal } : {}),
    ...overrides,
  });
  throwIfInterrupted(io);
  const found = (['smtp', 'imap', 'pop3'] as const).some((r) => result.candidates[r].some((c) => c.resolves));
  if (opts.json) io.stdout.write(`${toJsonText(result)}\n`);
  else io.stdout.write(renderDiscovery(result, await textTranslator(io)));
  return found ? EXIT.OK : EXIT.PROBLEMS;
}

const ROLE_TITLE: Record<MailRole, TextId> = { smtp: 'discover.role.smtp', imap: 'discover.role.imap', pop3: 'discover.role.pop3' };

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}

/** One line per host: its sources, its ports (`*` = named by a source, `?` = optional), its addresses. */
function renderHosts(list: ServerCandidate[], t: Translator): string[] {
  const byHost = new Map<string, ServerCandidate[]>();
  for (const c of list) byHost.set(c.host, [...(byHost.get(c.host) ?? []), c]);
  const lines: string[] = [];
  for (const [host, cs] of byHost) {
    const first = cs[0]!;
    const ports = cs.map((c) => `${c.port}/${c.security}${c.endpointSources.length ? '*' : ''}${c.optional ? '?' : ''}`).join(' ');
    const where = first.resolves ? first.addresses.slice(0, 3).join(', ') + (first.addresses.length > 3 ? ', …' : '') : t.text('discover.doesNotResolve');
    const login = first.username ? `  ${t.text('discover.user', { user: first.username })}` : '';
    lines.push(`  ${pad(host, 28)}${pad(`[${first.sources.join(', ')}]`, 26)}${ports}`);
    lines.push(`  ${' '.repeat(28)}${where}${login}`);
  }
  return lines;
}

/** Every state a source can end in (the typecheck fails when one is missing), and its words. */
const STATE_TEXT: Record<SourceState, TextId> = {
  found: 'discover.state.found',
  'not-found': 'discover.state.not-found',
  error: 'discover.state.error',
  skipped: 'discover.state.skipped',
  timeout: 'discover.state.timeout',
};

/** The text output of `discover`, in the translator's language (host names, sources and codes as they are). */
export function renderDiscovery(result: DiscoveryResult, t: Translator): string {
  const r = escapeStrings(result); // DNS names and autoconfig text are data, never terminal control
  const out: string[] = [];
  const idn = r.address.unicodeDomain !== r.address.domain ? ` (${r.address.unicodeDomain})` : '';
  // Numbers as strings: "1234 ms", not the locale's "1,234 ms".
  out.push(t.text('discover.head', { address: r.address.address, idn, ms: String(r.durationMs), resolvers: r.resolvers.servers.join(', ') || t.text('network.none') }));
  if (r.deadlineReached) out.push(t.text('discover.deadline', { ms: String(r.timeoutMs) }));
  if (r.aborted) out.push(t.text('discover.aborted'));
  for (const role of ['smtp', 'imap', 'pop3'] as const) {
    out.push('', t.text(ROLE_TITLE[role]));
    const list = r.candidates[role];
    if (list.length === 0) out.push(`  ${t.text('discover.noneFound')}`);
    else out.push(...renderHosts(list, t));
  }
  out.push(`  ${t.text('discover.legend')}`);
  if (r.disagreements.length > 0) {
    out.push('', t.text('discover.disagree'));
    for (const d of r.disagreements) out.push(`  ${d.role} ${d.kind}: ${d.detail}`);
  }
  out.push('', t.text('discover.sources'));
  const states = Object.values(STATE_TEXT).map((id) => t.text(id));
  const stateWidth = Math.max(11, ...states.map((w) => w.length + 1)); // the longest state in this language
  for (const s of r.sources) {
    const err = s.error ? `${s.error.code}: ${s.error.message}` : '';
    out.push(`  ${pad(s.source, 12)}${pad(t.text(STATE_TEXT[s.state]), stateWidth)}${s.detail ?? ''}${s.detail && err ? ' — ' : ''}${err}`.trimEnd());
  }
  const unresolved = r.facts.guesses.filter((g) => !g.resolves).map((g) => g.host);
  if (unresolved.length > 0) out.push('', t.text('discover.guesses', { hosts: unresolved.join(', ') }));
  return `${out.join('\n')}\n`;
}

/**
 * `maildoctor network`: who this network is.
 * @param opts.echoUrl HTTPS URL answering with the caller's public address (plain text or `{"ip": …}`)
 * @param overrides further `networkIdentity()` options (tests, embedding)
 * @returns 0 when the default route and a resolver are known, 1 otherwise; throws UsageError (exit 2, mapped by main)
 */
export async function networkCommand(opts: NetworkCommandOptions, io: CommandIo, overrides: Partial<NetworkIdentityOptions> = {}): Promise<number> {
  const id: NetworkIdentity = await networkIdentity({
    ...(opts.dns?.length ? { dns: [...opts.dns] } : {}),
    ...(opts.echoUrl !== undefined ? { echoUrl: opts.echoUrl } : {}),
    ...(opts.timeout !== undefined ? { timeoutMs: opts.timeout } : {}),
    ...ispdbOption(opts.ispdb),
    ...(io.signal ? { signal: io.signal } : {}),
    ...overrides,
  });
  throwIfInterrupted(io);
  if (opts.json) io.stdout.write(`${toJsonText(id)}\n`);
  else io.stdout.write(renderNetwork(id, await textTranslator(io)));
  return id.defaultInterface && id.resolvers.length > 0 ? EXIT.OK : EXIT.PROBLEMS;
}

/** The rows of `network`, in their order: the label width is the longest label's in the reader's language. */
const NETWORK_ROWS = ['interface', 'gateway', 'resolvers', 'queried', 'public', 'echo', 'reverseDns', 'provider', 'providerSmtp', 'fingerprint'] as const;

/** The text output of `network`, in the translator's language (addresses, names and codes as they are). */
export function renderNetwork(identity: NetworkIdentity, t: Translator): string {
  const id = escapeStrings(identity);
  const out: string[] = [];
  const width = Math.max(14, ...NETWORK_ROWS.map((k) => t.text(`netcmd.${k}`).length + 1));
  const row = (k: (typeof NETWORK_ROWS)[number], v: string): void => {
    out.push(`  ${pad(t.text(`netcmd.${k}`), width)}${v}`);
  };
  const unknown = t.text('network.unknown');
  const none = t.text('network.none');
  out.push(t.text('netcmd.title', { platform: id.platform, ms: String(id.durationMs) }));
  const iface = id.interfaces.find((i) => i.name === id.defaultInterface);
  row('interface', iface ? `${iface.name}  ${iface.addresses.map((a) => a.cidr ?? a.address).join(', ')}` : unknown);
  row('gateway', id.gateway ?? unknown);
  row('resolvers', `${id.resolvers.join(', ') || none} (${id.resolverSource})`);
  if (id.queriedResolvers.join() !== id.resolvers.join()) row('queried', id.queriedResolvers.join(', '));
  row('public', id.publicAddress ? `${id.publicAddress.address} (${id.publicAddress.source})` : unknown);
  if (id.echo?.error) row('echo', `${id.echo.error.code}: ${id.echo.error.message}`);
  if (id.reverseDns) {
    const name = id.reverseDns.name;
    row('reverseDns', name ? t.text(id.reverseDns.forwardConfirmed ? 'netcmd.forwardConfirmed' : 'netcmd.notForwardConfirmed', { name }) : `${none}${id.reverseDns.error ? ` (${id.reverseDns.error.code})` : ''}`);
  }
  if (id.provider) {
    row('provider', id.provider.domain);
    const hosts = [...new Set(id.provider.smtp.map((c) => `${c.host} [${c.sources.join(', ')}]`))];
    row('providerSmtp', hosts.length ? hosts.join('; ') : t.text('discover.noneFound'));
  }
  row('fingerprint', id.fingerprint.slice(0, 16));
  if (id.unknown.length > 0) {
    out.push('', t.text('netcmd.unknown'));
    for (const u of id.unknown) out.push(`  - ${u}`);
  }
  return `${out.join('\n')}\n`;
}
