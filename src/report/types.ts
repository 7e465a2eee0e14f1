import type { FindingCode } from '../lib/codes.js';
import type { ProbeResult, Protocol, Security } from '../lib/types.js';
import type { DiscoveryResult, MailRole, Provenance } from '../discovery/types.js';
import type { NetworkIdentity } from '../network/types.js';
import type { BlocklistFacts } from '../network/dnsbl.js';
import type { SpfDnsAnswer } from './spf.js';
import type { MessageParams, MessageRef } from '../i18n/types.js';
import type { ConfiguredServer } from '../thunderbird/profile.js';

/** Version of the `maildoctor check --json` document (docs/check-report.schema.json). Bumped on breaking change. */
export const REPORT_SCHEMA_VERSION = 2;

/**
 * Why a probe was run. `mailbox` probes test the address's own servers; `network-smtp` probes test the SMTP
 * servers of the network the user is on (the hybrid option); `control` probes test well-known endpoints to
 * tell "this network blocks the port" from "that server is down".
 */
export type ProbePurpose = 'incoming' | 'outgoing' | 'network-smtp' | 'control' | 'configured';

/** One probe of a check: what was tried, why, and what happened. */
export interface CheckProbe {
  /** Stable within one report: `outgoing:smtp.example.com:587:auth`. */
  id: string;
  purpose: ProbePurpose;
  role: MailRole | 'tcp';
  protocol: Protocol;
  host: string;
  port: number;
  /** The security this probe asked for. */
  security: Security;
  /** Whether credentials were used in this probe. */
  withAuth: boolean;
  /** Whether the relay test (MAIL FROM/RCPT TO/RSET) ran. */
  relayTest: boolean;
  /** Sources that named the server (discovery provenance, or `network` / `control`, or `thunderbird` for a configured one). */
  sources: Array<Provenance | 'network' | 'control' | 'thunderbird'>;
  /**
   * The probe whose session gave this result, when it was not this probe's own (issue 13: one session per server
   * address and port): the relay test without AUTH of a session that then logged in, or another name of the
   * same address whose certificate covers this name too.
   */
  session?: string;
  result: ProbeResult;
}

export type Severity = 'error' | 'warning' | 'info';

/**
 * A rule's output: stable code, how bad, the values its sentences take, the proof. The sentences (summary,
 * explanation, fix) are the code's entries in the message catalogues (src/i18n), formatted with `params` in the
 * reader's language: rules never write words, and JSON consumers read codes and parameters, never sentences.
 */
export interface Finding {
  code: FindingCode;
  severity: Severity;
  params: MessageParams;
  /** Transcript lines and facts that prove it, each prefixed by the probe it comes from. */
  evidence: string[];
  /** Probe ids the finding is about. */
  probes: string[];
}

/** A setting a mail client can use, as verified (or not) from this network. */
export interface Setting {
  role: MailRole;
  host: string;
  port: number;
  security: Security;
  /**
   * `password`: log in with the mailbox's user name and password; `oauth2`: log in with an OAuth2 access token
   * (the mail client's "OAuth2" authentication); `none`: no login (relay by network).
   */
  auth: 'password' | 'oauth2' | 'none';
  /** User name to log in with, when known. */
  username?: string;
  /** Proven from this network by a probe that went through (login included when `auth` is `password`). */
  verified: boolean;
  /** Why it is recommended: a message of the text catalogue (`reason.*`). */
  reason: MessageRef;
  /** The probe that proves it. */
  probe?: string;
}

export interface Recommendation {
  incoming?: Setting;
  outgoing?: Setting;
  /** Outgoing through the current network provider's server, incoming from the mailbox provider. */
  hybrid: boolean;
  /** Other working settings, best first. */
  alternatives: Setting[];
  /** Messages of the text catalogue (`note.*`) for the "what to do" section. */
  notes: MessageRef[];
}

/** Everything a check learnt: the report builder's input. Pure data, JSON-serialisable. */
export interface CheckFacts {
  address: string;
  domain: string;
  startedAt: string;
  durationMs: number;
  /** Whether a password or an OAuth2 token was given, and which (never the secret itself). */
  credentials: { user?: string; provided: boolean; kind?: 'password' | 'oauth2' };
  network: NetworkIdentity;
  discovery: DiscoveryResult;
  probes: CheckProbe[];
  /** The external address used for RCPT TO in relay tests. */
  relayRecipient: string;
  /**
   * DNS answers asked to evaluate the domain's SPF policy for the hybrid server (src/check/spf-facts.ts),
   * beyond discovery's TXT record of the domain. Present when a hybrid server was found.
   */
  spf?: { answers: SpfDnsAnswer[] };
  /** DNS blocklist answers about the public address, when they were asked (src/check/blocklists.ts). */
  blocklists?: BlocklistFacts;
  /** The servers the user's Thunderbird profile has for this address (`check --thunderbird-profile`). */
  clientSettings?: ConfiguredServer[];
}

/** A configured server, as tried from this network: does it work, and what to change it to when it does not. */
export interface ConfiguredVerdict {
  role: ConfiguredServer['role'];
  host: string;
  port: number;
  security: Security;
  auth: ConfiguredServer['auth'];
  /** `yes`: proven from here; `no`: does not work from here; `unverified`: answers, the login could not be tried. */
  works: 'yes' | 'no' | 'unverified';
  /** The id of the probe that tried it as configured. */
  probe: string;
  /** The error and warning codes of that probe. */
  codes: string[];
  /** What to change it to when it does not work: the recommended setting for its role. */
  changeTo?: Setting;
}

/** The `maildoctor check --json` document. */
export interface CheckReport extends CheckFacts {
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  /** Candidate servers per role that the check tried. */
  servers: Array<{ role: MailRole; host: string; port: number; security: Security; sources: string[] }>;
  findings: Finding[];
  recommendation: Recommendation;
  /** With --thunderbird-profile: each configured server of this address and its verdict. */
  configured?: ConfiguredVerdict[];
  /** Sending and receiving verdicts, the basis of the exit code. */
  status: { sending: 'works' | 'fails' | 'unverified'; receiving: 'works' | 'fails' | 'unverified' };
}
