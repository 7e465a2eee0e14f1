/**
 * The lab's fixed facts (names, addresses, the user) and the shapes of its options: no namespace code, so the
 * scenario table and pure tests can use them.
 */
import type { CertificateKind } from '../certs.js';

/** The lab's fixed facts: names, addresses, the user. */
export const LAB = {
  domain: 'disney.test',
  address: 'pippo@disney.test',
  user: 'pippo',
  /** The mailbox provider's server (Postfix and Dovecot). */
  provider: '203.0.113.10',
  providerNet: '203.0.113.0/24',
  providerRouter: '203.0.113.1',
  /** The ISP's router: gateway, resolver and relay (smtp.isp.test) of its customers. */
  ispRouter: '198.51.100.1',
  customers: '198.51.100.0/24',
  /** The user's machine on the ISP's network. */
  userAddress: '198.51.100.77',
  /** The user's machine when moved to the provider's own network. */
  userOnProvider: '203.0.113.77',
  netRouter: '192.0.2.1',
  /** The control endpoint ("a well-known server on the internet"). */
  control: '192.0.2.25',
  controlPorts: [25, 587, 465, 993] as const,
  /** `--dns` of a check run on the ISP's network. */
  resolver: '198.51.100.1:53',
  /** Names the provider's certificates cover (the `wrongName` kind covers none of them). */
  providerNames: ['mail.disney.test', 'smtp.disney.test', 'imap.disney.test', 'pop.disney.test'],
  ispNames: ['smtp.isp.test'],
  /** The DNSBL the provider's Postfix consults when `ProviderConfig.blocklist` is on. */
  blocklist: 'zen.spamhaus.org',
} as const;

/** The environment variable a lab check reads its OAuth2 token from (`--oauth-token-env`). */
export const LAB_TOKEN_ENV = 'MAILDOCTOR_TEST_OAUTH_TOKEN';

/** An L2 network: a bridge in the router namespace, with the router's address on it. */
export interface SegmentSpec {
  /** The router's address on this segment (the hosts' gateway), e.g. 192.0.2.129. */
  routerAddress: string;
  prefix: number;
  /** Also answer DNS on the router's address of this segment. @default false */
  dns?: boolean;
}

/** The segments every lab has. `net` is a /25 so that 192.0.2.128/25 stays free for another ISP. */
export const DEFAULT_SEGMENTS: Readonly<Record<'isp' | 'provider' | 'net', SegmentSpec>> = {
  isp: { routerAddress: LAB.ispRouter, prefix: 24, dns: true },
  provider: { routerAddress: LAB.providerRouter, prefix: 24, dns: true },
  net: { routerAddress: LAB.netRouter, prefix: 25 },
};

/** Where a host is plugged in and how it is addressed. */
export interface Attachment {
  segment: string;
  address: string;
  prefix: number;
  /** Default route; the segment's router address unless given. */
  gateway: string;
  /** `nameserver` lines of its resolv.conf (hosts other than the user have none). */
  resolvers: string[];
}

export interface ProviderConfig {
  /** Postfix submission on 587 (STARTTLS, AUTH) and 465 (implicit TLS, AUTH), with SRV records. */
  submission: boolean;
  /** Certificate of Dovecot (IMAP/POP3). */
  imapCertificate: CertificateKind;
  /** Certificate of Postfix (25 STARTTLS, 587, 465). */
  smtpCertificate: CertificateKind;
  /**
   * Postfix refuses clients listed on zen.spamhaus.org (`reject_rbl_client`), and the lab's DNS lists the
   * user's ISP address there as Spamhaus PBL (fixtures/lab/dnsbl.zone). @default false
   */
  blocklist?: boolean;
  /** Dovecot (and Postfix through it) also accepts OAuth2 tokens (XOAUTH2, OAUTHBEARER) from {@link Lab.oauthToken}. */
  oauth2?: boolean;
}

export const DEFAULT_PROVIDER: ProviderConfig = { submission: false, imapCertificate: 'valid', smtpCertificate: 'valid', oauth2: false };

/** The ISP's router filtering customers' outgoing port 25: silently (`drop`) or with a TCP reset (`reject`). */
export type FirewallMode = 'open' | 'drop' | 'reject';

export interface LabOptions {
  provider?: Partial<ProviderConfig>;
  /** The mailbox password. @default a random one */
  password?: string;
  /** Messages delivered to the mailbox (shown by the probes as a count). @default 1 */
  messages?: number;
  /**
   * What the lab's resolver answers for names outside the lab's zones: NXDOMAIN (`'nxdomain'`), or REFUSED as
   * a closed network's resolver does (the demo: the default command line asks the ISPDB and the default
   * control endpoints, which must fail as they would there, without leaving the machine). @default 'nxdomain'
   */
  outsideZones?: 'nxdomain' | 'refused';
}

export interface ExecOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  /** @default 60000 */
  timeoutMs?: number;
}

export interface ExecResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time from spawn to exit (process start included). */
  durationMs: number;
}

/** Addresses of a check command line for the lab. */
export interface CheckArgsOptions {
  /** @default LAB.address */
  address?: string;
  /** Log in (the password goes in the environment, see {@link Lab.runCheck}). @default true */
  login?: boolean;
  /** Log in with this OAuth2 access token instead of the password (`--oauth-token-env`). */
  oauthToken?: string;
  /** @default true */
  json?: boolean;
  /** @default the ISP's resolver, or the provider network's when the user is there */
  dns?: string;
  /**
   * The default command line: no --dns (the namespace's resolv.conf names the lab's resolver), no --no-ispdb,
   * the default control endpoints. Only --ca stays: the lab's servers have the lab CA's certificates.
   */
  defaults?: boolean;
  extra?: string[];
}

/** The user's machine's two standard places: on the ISP's network, and on the provider's own. */
export const USER_PLACES = {
  isp: { segment: 'isp', address: LAB.userAddress, resolvers: [LAB.ispRouter] },
  provider: { segment: 'provider', address: LAB.userOnProvider, resolvers: [LAB.providerRouter] },
} satisfies Record<string, Partial<Attachment> & { segment: string; address: string }>;
