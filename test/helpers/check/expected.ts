/**
 * What each lab scenario (test/helpers/lab/scenarios.ts) must produce. Used twice: by the end-to-end tests on the live
 * lab (test/check/scenarios.test.ts) and by the rule tests on the recorded facts (test/check/rules.test.ts).
 * Findings are written `CODE:severity`, in report order (errors, warnings, infos; rule order within each).
 *
 * When a rule changes on purpose: re-record (test/helpers/lab/record-fixtures.ts), update this table, and rewrite the
 * text snapshots (UPDATE_SNAPSHOTS=1).
 */
import type { Setting } from '../../../src/report/types.js';

/** Names of the rules in src/report/index.ts RULES, plus `recommend`. */
export type RuleName =
  | 'dnsRule'
  | 'noServersRule'
  | 'networkBlocksRule'
  | 'relayRule'
  | 'blocklistRule'
  | 'authRule'
  | 'authOutcomeRule'
  | 'greetingRule'
  | 'portsRule'
  | 'interceptionRule'
  | 'inspectionRule'
  | 'mtuRule'
  | 'ipv6Rule'
  | 'tlsRule'
  | 'certExpiryRule'
  | 'plaintextAuthRule'
  | 'disagreeRule'
  | 'oauthRule'
  | 'incomingUnexplainedRule'
  | 'recommend';

export type ExpectedSetting = Pick<Setting, 'role' | 'host' | 'port' | 'security' | 'auth' | 'verified'>;

export interface Expected {
  exitCode: number;
  findings: string[];
  /** What each rule alone produces on the facts; a rule not listed produces nothing. */
  rules: Partial<Record<RuleName, string[]>>;
  status: { sending: 'works' | 'fails' | 'unverified'; receiving: 'works' | 'fails' | 'unverified' };
  hybrid: boolean;
  incoming?: ExpectedSetting;
  outgoing?: ExpectedSetting;
}

function times(n: number, finding: string): string[] {
  return Array.from({ length: n }, () => finding);
}

const IMAPS: ExpectedSetting = { role: 'imap', host: 'imap.disney.test', port: 993, security: 'tls', auth: 'password', verified: true };
const HYBRID_OUT: ExpectedSetting = { role: 'smtp', host: 'smtp.isp.test', port: 25, security: 'starttls', auth: 'none', verified: true };
const SUBMISSIONS: ExpectedSetting = { role: 'smtp', host: 'smtp.disney.test', port: 465, security: 'tls', auth: 'password', verified: true };

/** The seed provider has no submission: 465 and 587 refuse on its hosts, one finding per port. */
const SEED_CLOSED = times(2, 'PORT_CLOSED:info');
const HYBRID = { recommend: ['HYBRID_RECOMMENDED:info', 'SPF_HYBRID_FAIL:warning'] };

/** The three bad-certificate scenarios: Dovecot's endpoints fail TLS, one finding per host (imap., mail., pop.). */
function badCertificate(code: string): Expected {
  return {
    exitCode: 1,
    findings: ['SMTP_RELAY_DENIED:error', ...times(3, `${code}:error`), 'SPF_HYBRID_FAIL:warning', ...SEED_CLOSED, 'HYBRID_RECOMMENDED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], portsRule: SEED_CLOSED, tlsRule: times(3, `${code}:error`), ...HYBRID },
    status: { sending: 'works', receiving: 'fails' },
    hybrid: true,
    outgoing: HYBRID_OUT,
  };
}

function blocked25(): Expected {
  return {
    exitCode: 0,
    // One PORT_BLOCKED_BY_NETWORK for port 25, naming both provider hosts; 465/587 want a login (info).
    findings: ['PORT_BLOCKED_BY_NETWORK:warning', 'AUTH_REQUIRED:info'],
    rules: { authRule: ['AUTH_REQUIRED:info'], portsRule: ['PORT_BLOCKED_BY_NETWORK:warning'] },
    status: { sending: 'works', receiving: 'works' },
    hybrid: false,
    incoming: IMAPS,
    outgoing: SUBMISSIONS,
  };
}

export const EXPECTED: Record<string, Expected> = {
  'seed-hybrid': {
    exitCode: 1,
    findings: ['SMTP_RELAY_DENIED:error', 'SPF_HYBRID_FAIL:warning', ...SEED_CLOSED, 'HYBRID_RECOMMENDED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], portsRule: SEED_CLOSED, ...HYBRID },
    status: { sending: 'works', receiving: 'works' },
    hybrid: true,
    incoming: IMAPS,
    outgoing: HYBRID_OUT,
  },
  'cert-expired': badCertificate('TLS_CERT_EXPIRED'),
  'cert-wrong-name': badCertificate('TLS_CERT_HOSTNAME_MISMATCH'),
  'cert-self-signed': badCertificate('TLS_CERT_UNTRUSTED'),
  // Still valid: everything works as in the seed story, plus one warning for the one certificate Dovecot presents
  // on all its names.
  'cert-expires-soon': {
    exitCode: 1,
    findings: ['SMTP_RELAY_DENIED:error', 'TLS_CERT_EXPIRES_SOON:warning', 'SPF_HYBRID_FAIL:warning', ...SEED_CLOSED, 'HYBRID_RECOMMENDED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], portsRule: SEED_CLOSED, certExpiryRule: ['TLS_CERT_EXPIRES_SOON:warning'], ...HYBRID },
    status: { sending: 'works', receiving: 'works' },
    hybrid: true,
    incoming: IMAPS,
    outgoing: HYBRID_OUT,
  },
  'cert-chain-incomplete': badCertificate('TLS_CERT_CHAIN_INCOMPLETE'),
  'port25-dropped': blocked25(),
  'port25-rejected': blocked25(),
  'wrong-password': {
    exitCode: 1,
    // The password is the problem: the recommendation stays on the provider's submission (unverified), and the
    // relay refusal on 25 is only a warning because the provider offers AUTH over TLS.
    findings: ['AUTH_FAILED:error', 'SMTP_RELAY_DENIED:warning', 'AUTH_REQUIRED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:warning'], authRule: ['AUTH_REQUIRED:info', 'AUTH_FAILED:error'] },
    status: { sending: 'unverified', receiving: 'fails' },
    hybrid: false,
    outgoing: { ...SUBMISSIONS, verified: false },
  },
  // OAuth2 logins: the same verdicts as with a password, the settings say OAuth2.
  'oauth2-login': {
    exitCode: 0,
    findings: ['SMTP_RELAY_DENIED:info', 'AUTH_REQUIRED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:info'], authRule: ['AUTH_REQUIRED:info'] },
    status: { sending: 'works', receiving: 'works' },
    hybrid: false,
    incoming: { ...IMAPS, auth: 'oauth2' },
    outgoing: { ...SUBMISSIONS, auth: 'oauth2' },
  },
  // A refused token is not a wrong password: OAUTH_TOKEN_REFUSED, never AUTH_FAILED's password advice.
  'oauth2-wrong-token': {
    exitCode: 1,
    findings: ['OAUTH_TOKEN_REFUSED:error', 'SMTP_RELAY_DENIED:warning', 'AUTH_REQUIRED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:warning'], authRule: ['AUTH_REQUIRED:info'], oauthRule: ['OAUTH_TOKEN_REFUSED:error'] },
    status: { sending: 'unverified', receiving: 'fails' },
    hybrid: false,
    outgoing: { ...SUBMISSIONS, auth: 'oauth2', verified: false },
  },
  'provider-network': {
    exitCode: 0,
    // 465/587 without a login refuse the relay test (info: with the login they work).
    findings: ['AUTH_REQUIRED:info'],
    rules: { authRule: ['AUTH_REQUIRED:info'] },
    status: { sending: 'works', receiving: 'works' },
    hybrid: false,
    incoming: IMAPS,
    outgoing: SUBMISSIONS,
  },
  'dnsbl-pbl': {
    exitCode: 1,
    // The seed story, but the provider's 554 on 25 is a blocklist refusal: the lookup (made because of it)
    // finds the address on Spamhaus PBL; the ISP's relay is the way out, as the finding says.
    findings: ['SMTP_RELAY_DENIED:error', 'CLIENT_ADDRESS_BLOCKLISTED:error', 'SPF_HYBRID_FAIL:warning', ...SEED_CLOSED, 'HYBRID_RECOMMENDED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], blocklistRule: ['CLIENT_ADDRESS_BLOCKLISTED:error'], portsRule: SEED_CLOSED, ...HYBRID },
    status: { sending: 'works', receiving: 'works' },
    hybrid: true,
    incoming: IMAPS,
    outgoing: HYBRID_OUT,
  },
  'unknown-domain': {
    exitCode: 1,
    // No mailbox server to try: no hybrid advice for a domain that does not exist.
    findings: ['DNS_DOMAIN_NOT_FOUND:error'],
    rules: { dnsRule: ['DNS_DOMAIN_NOT_FOUND:error'] },
    status: { sending: 'fails', receiving: 'fails' },
    hybrid: false,
  },
  // Issue 10: what the network does. A web-only network: one finding, no "unreachable" per server; sending only
  // through the network's own relay (hybrid), receiving impossible from here.
  'web-only': {
    exitCode: 1,
    findings: ['NETWORK_BLOCKS_MAIL:error', 'SPF_HYBRID_FAIL:warning', 'HYBRID_RECOMMENDED:info'],
    rules: { networkBlocksRule: ['NETWORK_BLOCKS_MAIL:error'], ...HYBRID },
    status: { sending: 'works', receiving: 'fails' },
    hybrid: true,
    outgoing: HYBRID_OUT,
  },
  // No control: the block is inferred from the MX and the network's own server, and the report says so.
  'port25-rejected-no-controls': blocked25(),
  // Interception: no certificate-mismatch finding for what interception explains.
  intercept25: {
    exitCode: 0,
    findings: ['PORT_INTERCEPTED_BY_NETWORK:warning', 'AUTH_REQUIRED:info'],
    rules: { authRule: ['AUTH_REQUIRED:info'], interceptionRule: ['PORT_INTERCEPTED_BY_NETWORK:warning'] },
    status: { sending: 'works', receiving: 'works' },
    hybrid: false,
    incoming: IMAPS,
    outgoing: SUBMISSIONS,
  },
  // Inspection: no STARTTLS_UNAVAILABLE blaming the server; the relay refusal on 25 is the provider's own (info).
  inspect25: {
    exitCode: 0,
    findings: ['SMTP_INSPECTED_BY_NETWORK:warning', 'SMTP_RELAY_DENIED:info', 'AUTH_REQUIRED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:info'], authRule: ['AUTH_REQUIRED:info'], inspectionRule: ['SMTP_INSPECTED_BY_NETWORK:warning'] },
    status: { sending: 'works', receiving: 'works' },
    hybrid: false,
    incoming: IMAPS,
    outgoing: SUBMISSIONS,
  },
  // The black hole: every TLS port of the provider stalls; TLS to the ISP's own relay works, so sending is hybrid.
  'mtu-blackhole': {
    exitCode: 1,
    findings: ['PATH_MTU_BLACKHOLE:error', 'SPF_HYBRID_FAIL:warning', 'HYBRID_RECOMMENDED:info'],
    rules: { mtuRule: ['PATH_MTU_BLACKHOLE:error'], ...HYBRID },
    status: { sending: 'works', receiving: 'fails' },
    hybrid: true,
    outgoing: HYBRID_OUT,
  },
  // Dual stack with IPv6 dropped on the way: the sessions go over IPv4 (as a Happy Eyeballs client's would), and
  // the dead IPv6 path is reported. Port 25 connects here, so the provider's relay refusal shows (info).
  'ipv6-broken': {
    exitCode: 0,
    findings: ['IPV6_PATH_BROKEN:warning', 'SMTP_RELAY_DENIED:info', 'AUTH_REQUIRED:info'],
    rules: { relayRule: ['SMTP_RELAY_DENIED:info'], authRule: ['AUTH_REQUIRED:info'], ipv6Rule: ['IPV6_PATH_BROKEN:warning'] },
    status: { sending: 'works', receiving: 'works' },
    hybrid: false,
    incoming: IMAPS,
    outgoing: SUBMISSIONS,
  },
};
