import type { LookupOptions } from '../lookup/session.js';
import type { AddressFacts, DiscoveryError, HttpAttempt, LookupStatus, ResolverSource } from '../lookup/types.js';
import type { Security } from '../lib/types.js';

export type { Security };
export type { AddressFacts, DiscoveryError, DnsTimeouts, HttpAttempt, LookupStatus, ResolverAddress, ResolverSource } from '../lookup/types.js';

/** An e-mail address after validation (see `parseAddress`). */
export interface ParsedAddress {
  /** What the caller gave, trimmed. */
  input: string;
  /** `local@domain` with the domain in A-labels and lower case. */
  address: string;
  localPart: string;
  /** The domain in A-labels (punycode), lower case, without a trailing dot. */
  domain: string;
  /** The domain in U-labels when it is internationalised, else the same as `domain`. */
  unicodeDomain: string;
  /** The registrable domain (public suffix + one label) by tldts, or null when there is none. */
  registrableDomain: string | null;
}

export interface MxRecord {
  preference: number;
  /** Host name without trailing dot; `.` for a null MX. */
  exchange: string;
}

/** MX answer, sorted by preference then name. */
export interface MxFacts extends LookupStatus {
  records: MxRecord[];
  /** RFC 7505: a single MX of preference 0 and exchange "." — the domain accepts no mail. */
  nullMx: boolean;
}

/** The six services of RFC 6186 / RFC 8314. */
export type SrvService =
  | '_submissions._tcp'
  | '_submission._tcp'
  | '_imaps._tcp'
  | '_imap._tcp'
  | '_pop3s._tcp'
  | '_pop3._tcp';

export interface SrvRecord {
  priority: number;
  weight: number;
  port: number;
  /** Host name without trailing dot; `.` means "not offered" (RFC 6186 §3.4, RFC 2782). */
  target: string;
}

export interface SrvFacts extends LookupStatus {
  service: SrvService;
  role: MailRole;
  /** Security the service name implies: `_submissions`, `_imaps`, `_pop3s` are implicit TLS (RFC 8314). */
  security: Security;
  /** Sorted by priority, then weight (heaviest first), then target. */
  records: SrvRecord[];
  /** The domain says the service is not offered (a single target of "."). */
  notOffered: boolean;
}

export interface TxtFacts extends LookupStatus {
  /** Every TXT record at the name, each one's strings concatenated (RFC 7208 §3.3). */
  records: string[];
  /** The records that carry the policy's version tag (`v=spf1`, `v=DMARC1`, `v=STSv1`). */
  matching: string[];
}

/** Mail roles a candidate server can play. */
export type MailRole = 'smtp' | 'imap' | 'pop3';

/**
 * Which source named a server:
 * `srv` (RFC 6186/8314 SRV), `autoconfig` (the domain's own autoconfig over HTTPS), `autoconfig-http`
 * (the same over plain HTTP: unauthenticated, may be forged on the path), `ispdb` (the ISPDB-style database),
 * `mx` (an MX host), `guess` (a conventional name that resolves).
 */
export type Provenance = 'srv' | 'autoconfig' | 'autoconfig-http' | 'ispdb' | 'mx' | 'guess';

/** One server to try, for one role. The list per role is in order of preference. */
export interface ServerCandidate {
  role: MailRole;
  host: string;
  port: number;
  security: Security;
  /** Every source that named this host for this role. */
  sources: Provenance[];
  /**
   * The sources that named this exact port and security. Empty when the endpoint comes from the standard
   * port set for the role (SMTP 465/587/25, IMAP 993/143, POP3 995/110).
   */
  endpointSources: Provenance[];
  /** SMTP port 25 for submission: often blocked by networks and rarely accepts submission; try it last. */
  optional: boolean;
  /** The host's addresses (empty when it does not resolve). */
  addresses: string[];
  resolves: boolean;
  /** The user name to log in with, from an autoconfig/ISPDB template, when one was given. */
  username?: string;
  /** Authentication methods from autoconfig/ISPDB (`password-cleartext`, `OAuth2`…). */
  authentication?: string[];
  /** One line per source saying where the claim came from. */
  evidence: string[];
}

/** Where two configuration sources (SRV, autoconfig, ISPDB) say different things for the same role. */
export interface Disagreement {
  role: MailRole;
  /**
   * `host`: the sources name no host in common; `security`: same host and port, different security;
   * `endpoint`: same host, no port in common; `offered`: one says the service is not offered, the other names a server.
   */
  kind: 'host' | 'security' | 'endpoint' | 'offered';
  sources: [Provenance, Provenance];
  detail: string;
}

/** A server entry of a clientConfig v1.1 document. */
export interface ClientConfigServer {
  role: MailRole;
  hostname: string;
  port: number;
  security: Security;
  /** `<authentication>` values in document order. */
  authentication: string[];
  /** The `<username>` template as written (`%EMAILADDRESS%`, `%EMAILLOCALPART%`…). */
  usernameTemplate?: string;
  /** The template expanded for the address, when there was a template. */
  username?: string;
}

/** A parsed clientConfig v1.1 (Thunderbird autoconfig) document. */
export interface ClientConfig {
  providerId?: string;
  displayName?: string;
  /** `<domain>` entries of the emailProvider. */
  domains: string[];
  /** Incoming then outgoing, in document order (the document's order is its preference). */
  servers: ClientConfigServer[];
  /** Entries skipped as invalid (bad port, unknown socketType…), one line each. */
  warnings: string[];
}

/** State of one discovery source. */
export type SourceState = 'found' | 'not-found' | 'error' | 'skipped' | 'timeout';

/** Outcome of the autoconfig or the ISPDB source. */
export interface AutoconfigFacts {
  source: 'autoconfig' | 'ispdb';
  /** The domain whose configuration was asked. */
  domain: string;
  state: SourceState;
  /** The URL whose document was used. */
  url?: string;
  /** The document used came over plain HTTP (or a plain HTTP redirect). */
  insecure: boolean;
  config?: ClientConfig;
  attempts: HttpAttempt[];
  /** The most telling failure when no document was used. */
  error?: DiscoveryError;
  /** Why the source was skipped, when it was. */
  skippedReason?: string;
}

/** A conventional host name tried as a guess. */
export interface GuessFacts {
  host: string;
  roles: MailRole[];
  /** `domain`: under the address's domain; `mx-domain`: under the registrable domain of an MX host. */
  basis: 'domain' | 'mx-domain';
  resolves: boolean;
  addresses: string[];
  error?: DiscoveryError;
}

export interface SourceStatus {
  source: 'mx' | 'srv' | 'autoconfig' | 'ispdb' | 'ispdb-mx' | 'guess' | 'spf' | 'dmarc' | 'mta-sts';
  state: SourceState;
  error?: DiscoveryError;
  detail?: string;
}

/** Everything `discover()` learnt. */
export interface DiscoveryResult {
  address: ParsedAddress;
  startedAt: string;
  durationMs: number;
  /** The overall deadline that applied. */
  timeoutMs: number;
  /** The deadline ended discovery before every source finished. */
  deadlineReached: boolean;
  /** The caller's AbortSignal ended discovery. */
  aborted: boolean;
  /** Resolvers queried, as `host:port`, and where the list came from. */
  resolvers: { servers: string[]; source: ResolverSource };
  /** Candidate servers per role, best first. */
  candidates: Record<MailRole, ServerCandidate[]>;
  disagreements: Disagreement[];
  /** One status per source, with an error code when it failed. */
  sources: SourceStatus[];
  /** The raw facts behind the candidates. */
  facts: {
    mx: MxFacts;
    srv: SrvFacts[];
    spf: TxtFacts;
    dmarc: TxtFacts;
    mtaSts: TxtFacts;
    autoconfig: AutoconfigFacts;
    ispdb: AutoconfigFacts;
    /** ISPDB entry of the MX host's registrable domain (hosted mail), when it was looked up. */
    ispdbMx?: AutoconfigFacts;
    guesses: GuessFacts[];
    /** Address lookups of every host named by a source or guessed. */
    hosts: AddressFacts[];
  };
}

/** Options of `discover()`: where and how to look (a lookup session's options, src/lookup/session.ts), and its deadline. */
export interface DiscoverOptions extends LookupOptions {
  /** Overall deadline of discovery, all sources together. @default 10000 */
  timeoutMs: number;
  /**
   * Told the candidates of the DNS sources alone (MX, SRV, host guesses, resolved) once those have answered,
   * before autoconfig and the ISPDB have (HTTP, slower): a check starts probing them (issue 13). The result's
   * candidates still come from every source.
   */
  onCandidates: (candidates: Record<MailRole, ServerCandidate[]>) => void;
}
