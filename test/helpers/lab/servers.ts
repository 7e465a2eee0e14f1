/**
 * The lab's servers and the ISP's filter: the ISP's relay (smtp.isp.test), the provider's Postfix and Dovecot
 * as {@link ProviderConfig} says, the zone files the resolver serves, and the nftables rule of the router.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { testCertificates, type PemFiles, type TestCertificates } from '../certs.js';
import { startDovecot, type DovecotInstance } from '../harness/dovecot.js';
import { startPostfix, type PostfixInstance } from '../harness/postfix.js';
import { REPO_ROOT } from '../paths.js';
import { LAB, LAB_TOKEN_ENV, type CheckArgsOptions, type FirewallMode, type ProviderConfig } from './types.js';

const ZONE_DIR = join(REPO_ROOT, 'fixtures', 'lab');

/** The provider's and the ISP's certificate sets (each covers its own names and address). */
export function labCertificates(): Promise<{ provider: TestCertificates; isp: TestCertificates }> {
  const both = Promise.all([
    testCertificates({ extraNames: [...LAB.providerNames, LAB.provider] }),
    testCertificates({ extraNames: [...LAB.ispNames, LAB.ispRouter] }),
  ]).then(([provider, isp]) => ({ provider, isp }));
  both.catch(() => undefined);
  return both;
}

/** What a change of {@link ProviderConfig} restarts (Postfix also after Dovecot when submission uses its auth socket). */
export function providerChanges(current: ProviderConfig, next: ProviderConfig): { dovecotChanges: boolean; postfixChanges: boolean; zoneChanges: boolean } {
  const dovecotChanges = next.imapCertificate !== current.imapCertificate || Boolean(next.oauth2) !== Boolean(current.oauth2);
  const blocklistChanges = Boolean(next.blocklist) !== Boolean(current.blocklist);
  const postfixChanges = next.smtpCertificate !== current.smtpCertificate || next.submission !== current.submission || blocklistChanges || (dovecotChanges && next.submission);
  return { dovecotChanges, postfixChanges, zoneChanges: next.submission !== current.submission || blocklistChanges };
}

/** The ISP's relay on the router: port 25 for its customers (`mynetworks`), nothing else. */
export function startIspPostfix(router: string, certificate: PemFiles): Promise<PostfixInstance> {
  return startPostfix({
    netns: router,
    listenAddress: LAB.ispRouter,
    ports: { smtp: 25 },
    mynetworks: [LAB.customers],
    myhostname: 'smtp.isp.test',
    mydomain: 'isp.test',
    certificate,
  });
}

/** The provider's Dovecot, with the user's mailbox holding `messages` welcome messages. */
export async function startProviderDovecot(o: { ns: string; password: string; messages: number; certificate: PemFiles; oauthUrl?: string }): Promise<DovecotInstance> {
  const dovecot = await startDovecot({
    ...(o.oauthUrl ? { oauth2IntrospectionUrl: o.oauthUrl } : {}),
    netns: o.ns,
    listenAddress: LAB.provider,
    ports: { imap: 143, imaps: 993, pop3: 110, pop3s: 995 },
    users: [{ user: LAB.user, password: o.password }],
    certificate: o.certificate,
  });
  try {
    for (let i = 1; i <= o.messages; i++) {
      await dovecot.deliver(
        LAB.user,
        `From: <welcome@disney.test>\r\nTo: <${LAB.address}>\r\nSubject: Welcome ${i}\r\nMessage-ID: <welcome-${i}@disney.test>\r\nDate: Mon, 1 Jan 2024 00:00:00 +0000\r\n\r\nHello.\r\n`,
      );
    }
  } catch (err) {
    await dovecot.stop().catch(() => undefined);
    throw err;
  }
  return dovecot;
}

/** The provider's Postfix: 25, and 587/465 with AUTH through Dovecot's socket when `submission` is on. */
export function startProviderPostfix(o: { ns: string; provider: ProviderConfig; certificate: PemFiles; authSocket?: string }): Promise<PostfixInstance> {
  const sub = o.provider.submission;
  return startPostfix({
    netns: o.ns,
    listenAddress: LAB.provider,
    ports: { smtp: 25, submission: 587, smtps: 465 },
    submission: sub,
    smtps: sub,
    ...(sub ? { saslSocket: o.authSocket! } : {}),
    mynetworks: [LAB.providerNet],
    myhostname: 'mail.disney.test',
    mydomain: 'disney.test',
    mailboxes: [{ address: LAB.address, maildir: `${LAB.user}/Maildir/` }],
    certificate: o.certificate,
    ...(o.provider.blocklist ? { rblClients: [LAB.blocklist] } : {}),
  });
}

/** The zone files for the resolver: the lab's, plus submission SRV, the DNSBL and any extra lines (written to runDir). */
export async function zoneFiles(provider: ProviderConfig, extraZone: string, runDir: string): Promise<string[]> {
  const files = [join(ZONE_DIR, 'lab.zone')];
  if (provider.submission) files.push(join(ZONE_DIR, 'submission.zone'));
  if (provider.blocklist) files.push(join(ZONE_DIR, 'dnsbl.zone'));
  if (extraZone) {
    const extra = join(runDir, 'extra.zone');
    await writeFile(extra, extraZone);
    files.push(extra);
  }
  return files;
}

/**
 * The nft script of the ISP's filter on customers' outgoing ports (forward chain of the router namespace):
 * `drop` (a connect times out), `reject` (TCP reset: refused at once) or `open`.
 */
export function firewallScript(mode: FirewallMode, options: { ports?: number[]; from?: string } = {}): string {
  const ports = options.ports ?? [25];
  const from = options.from ?? LAB.customers;
  const verdict = mode === 'drop' ? 'drop' : 'reject with tcp reset';
  const rule = mode === 'open' ? '' : `ip saddr ${from} tcp dport { ${ports.join(', ')} } ${verdict}`;
  // "table; delete table; table {…}": idempotent whether or not the table exists.
  return `table inet mdlab\ndelete table inet mdlab\ntable inet mdlab {\n  chain forward {\n    type filter hook forward priority filter; policy accept;\n    ${rule}\n  }\n}\n`;
}

/** The last 30 lines of each daemon's log, headed by its name. */
export async function daemonLogs(daemons: Array<[string, { log(): Promise<string> } | undefined]>): Promise<string> {
  const parts = await Promise.all(daemons.map(([name, d]) => d?.log().then((l) => `--- ${name}\n${l.split('\n').slice(-30).join('\n')}`)));
  return parts.filter(Boolean).join('\n');
}

/** Arguments of `maildoctor check` against the lab: resolver, test CA, control endpoints, no ISPDB, no echo. */
export function checkArgsFor(lab: { caFile: string; resolver: string; controls: string[] }, options: CheckArgsOptions = {}): string[] {
  if (options.defaults) {
    return ['check', options.address ?? LAB.address, '--ca', lab.caFile, ...((options.login ?? true) ? ['--user', LAB.user] : []), ...((options.json ?? true) ? ['--json'] : []), ...(options.extra ?? [])];
  }
  return [
    'check',
    options.address ?? LAB.address,
    '--dns',
    options.dns ?? lab.resolver,
    '--ca',
    lab.caFile,
    '--no-ispdb',
    ...lab.controls.flatMap((c) => ['--control', c]),
    ...((options.login ?? true) ? ['--user', LAB.user] : []),
    ...(options.oauthToken !== undefined ? ['--oauth-token-env', LAB_TOKEN_ENV] : []),
    ...((options.json ?? true) ? ['--json'] : []),
    ...(options.extra ?? []),
  ];
}
