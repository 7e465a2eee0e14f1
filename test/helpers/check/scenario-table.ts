/**
 * The lab's scenarios: a state of the world (provider configuration, ISP firewall, where the user's machine is)
 * and the `maildoctor check` to run in it. Shared by the end-to-end tests (test/check/scenarios.test.ts), the
 * fixture recorder (test/helpers/lab/record-fixtures.ts) and the pure rule tests (test/check/rules.test.ts),
 * so this table imports only types: loading it starts no namespace code. They are listed in the order that
 * restarts least; test/helpers/lab/scenarios.ts brings the lab to a scenario's state.
 */
import type { CheckArgsOptions, FirewallMode, ProviderConfig } from '../lab/lab.js';
import type { NetworkSituation } from '../lab/networks.js';

export interface LabState {
  provider: ProviderConfig;
  firewall: FirewallMode;
  /** The segment the user's machine is on. */
  where: 'isp' | 'provider';
  /** What the network on the way does (test/helpers/lab/networks.ts). @default 'normal' */
  network?: NetworkSituation;
}

export interface Scenario {
  /** File-name friendly: fixtures/reports/<id>.json, test/check/__snapshots__/<id>.txt. */
  id: string;
  title: string;
  state: LabState;
  /**
   * The check (see Lab.checkArgs); `password: 'wrong'` logs in with a wrong password, `token` with an OAuth2
   * token the provider issued (`right`) or one it never did (`wrong`).
   */
  check: Omit<CheckArgsOptions, 'oauthToken'> & { password?: 'wrong'; token?: 'right' | 'wrong' };
  /** Issue 10's networks: run by test/check/networks.test.ts with the built CLI, not by scenarios.test.ts. */
  networkTier?: boolean;
}

const SEED: LabState = {
  provider: { submission: false, imapCertificate: 'valid', smtpCertificate: 'valid' },
  firewall: 'open',
  where: 'isp',
};
const SUBMISSION: LabState = { ...SEED, provider: { ...SEED.provider, submission: true } };

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'seed-hybrid',
    title: '(a) the seed story: provider SMTP on 25 only, relay refused from the ISP network, hybrid through smtp.isp.test',
    state: SEED,
    check: {},
  },
  {
    id: 'cert-expired',
    title: '(e) the provider’s IMAP/POP3 certificate has expired',
    state: { ...SEED, provider: { ...SEED.provider, imapCertificate: 'expired' } },
    check: {},
  },
  {
    id: 'cert-wrong-name',
    title: '(e) the provider’s IMAP/POP3 certificate is for another name',
    state: { ...SEED, provider: { ...SEED.provider, imapCertificate: 'wrongName' } },
    check: {},
  },
  {
    id: 'cert-self-signed',
    title: '(e) the provider’s IMAP/POP3 certificate is self-signed',
    state: { ...SEED, provider: { ...SEED.provider, imapCertificate: 'selfSigned' } },
    check: {},
  },
  {
    id: 'cert-expires-soon',
    title: '(e) the provider’s IMAP/POP3 certificate is valid but expires in 5 days',
    state: { ...SEED, provider: { ...SEED.provider, imapCertificate: 'expiresSoon' } },
    check: {},
  },
  {
    id: 'cert-chain-incomplete',
    title: '(e) the provider’s IMAP/POP3 server sends its certificate without the intermediate',
    state: { ...SEED, provider: { ...SEED.provider, imapCertificate: 'chainIncomplete' } },
    check: {},
  },
  {
    id: 'port25-dropped',
    title: '(b) the ISP drops port 25; submission on 587/465 with a password works',
    state: { ...SUBMISSION, firewall: 'drop' },
    check: {},
  },
  {
    id: 'port25-rejected',
    title: '(c) the ISP rejects port 25 with a TCP reset; submission on 587/465 with a password works',
    state: { ...SUBMISSION, firewall: 'reject' },
    check: {},
  },
  {
    id: 'wrong-password',
    title: '(d) a wrong password',
    state: SUBMISSION,
    check: { password: 'wrong' },
  },
  {
    id: 'oauth2-login',
    title: '(h) OAuth2: login with an access token (OAUTHBEARER/XOAUTH2) on IMAP, POP3 and submission',
    state: { ...SUBMISSION, provider: { ...SUBMISSION.provider, oauth2: true } },
    check: { token: 'right' },
  },
  {
    id: 'oauth2-wrong-token',
    title: '(h) OAuth2: a token the provider does not accept',
    state: { ...SUBMISSION, provider: { ...SUBMISSION.provider, oauth2: true } },
    check: { token: 'wrong' },
  },
  {
    id: 'provider-network',
    title: '(f) the machine on the provider’s own network: relay by network and submission both work',
    state: { ...SUBMISSION, where: 'provider' },
    check: {},
  },
  {
    id: 'dnsbl-pbl',
    title: '(h) the user’s ISP address is on Spamhaus PBL and the provider’s Postfix refuses listed clients on 25 (reject_rbl_client)',
    state: { ...SEED, provider: { ...SEED.provider, blocklist: true } },
    check: {},
  },
  {
    id: 'unknown-domain',
    title: '(g) an address at a domain that does not exist',
    state: SUBMISSION,
    check: { address: 'pippo@nonexistent.test', login: false },
  },
  // Issue 10: what the network does to mail. Submission on 587/465 exists, so a working setting exists too.
  {
    id: 'web-only',
    title: 'a web-only network (guest Wi-Fi forwarding only 80/443): no mail port of any outside server gets through',
    state: { ...SUBMISSION, network: 'web-only' },
    check: {},
    networkTier: true,
  },
  {
    id: 'port25-rejected-no-controls',
    title: 'the ISP rejects port 25 and no control endpoint is asked (--no-controls): the block is inferred, and says so',
    state: { ...SUBMISSION, firewall: 'reject' },
    check: { extra: ['--no-controls'] },
    networkTier: true,
  },
  {
    id: 'intercept25',
    title: 'the network intercepts port 25 (DNAT to its own relay): every destination greets as smtp.isp.test',
    state: { ...SUBMISSION, network: 'intercept25' },
    check: {},
    networkTier: true,
  },
  {
    id: 'inspect25',
    title: 'an SMTP inspection fixup on port 25 (masked greeting, XXXXXXXA, STARTTLS rewritten)',
    state: { ...SUBMISSION, network: 'inspect25' },
    check: {},
    networkTier: true,
  },
  {
    id: 'mtu-blackhole',
    title: 'a path-MTU black hole (a narrow link, ICMP fragmentation-needed dropped): TLS to the provider stalls',
    state: { ...SUBMISSION, network: 'mtu-blackhole' },
    check: {},
    networkTier: true,
  },
  {
    id: 'ipv6-broken',
    title: 'a dual-stack network whose IPv6 path is dropped (2001:db8::/32): IPv4 works, IPv6 gets no answer',
    state: { ...SUBMISSION, network: 'ipv6-broken' },
    check: {},
    networkTier: true,
  },
];
