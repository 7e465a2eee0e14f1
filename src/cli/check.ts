import { writeFile } from 'node:fs/promises';
import { check, type CheckOptions, type CheckProgress } from '../check/check.js';
import { isEnvelopeAddress, parseAddress } from '../discovery/address.js';
import { toJsonText } from '../lib/text.js';
import { EXIT } from '../lib/exit-codes.js';
import { sendTestMessage } from '../check/send-test.js';
import { reportExitCode } from '../report/index.js';
import { autoconfigMissing, clientConfigXml } from '../report/client-config-xml.js';
import { readThunderbirdProfile, type ConfiguredServer } from '../thunderbird/profile.js';
import type { CheckReport } from '../report/types.js';
import { isLang, langFromEnv, translator, usageError, type Lang, type TextId, type Translator } from '../i18n/index.js';
import { renderReport } from '../report/render-text.js';
import { assertWritableFile, colors, credentialsFrom, parsePositiveInt, readCaFile, type Io } from './io.js';

import { PASSWORD_ENV } from '../check/defaults.js';

export { PASSWORD_ENV };

export interface CheckCommandOptions {
  user?: string;
  passwordEnv?: string;
  passwordStdin?: boolean;
  oauthTokenEnv?: string;
  oauthTokenFile?: string;
  allowPlaintextAuth?: boolean;
  dns?: string[];
  ca?: string;
  relayRcpt?: string;
  control?: string[];
  controls?: boolean; // commander's --no-controls
  timeout?: string;
  json?: boolean;
  autoconfig?: string;
  sendTest?: string;
  echoUrl?: string;
  ispdb?: string | boolean;
  dnsbl?: boolean; // --dnsbl / --no-dnsbl; unset: when a refusal suggests it
  verbose?: boolean;
  progress?: boolean;
  lang?: string;
  html?: string;
  /** `--thunderbird-profile [dir]`: true for the default profile. */
  thunderbirdProfile?: string | boolean;
}

/**
 * `check --thunderbird-profile --json` without an address, when the profile has several: one JSON document
 * with a report per address and the run's exit code (docs/check-report.md, docs/profile-check.schema.json).
 * One address keeps the single report, as `check ADDRESS --json` prints it.
 */
export interface ProfileCheckDocument {
  /** Tells this document from a single report (which has `schemaVersion` 2 and `address` instead). */
  kind: 'thunderbird-profile';
  schemaVersion: typeof PROFILE_CHECK_SCHEMA_VERSION;
  /** The profile directory that was read (never written). */
  profile: string;
  /** The command's exit code: the worst of the reports' (1 when any has a problem). */
  exitCode: number;
  /** One report per address of the profile, in the profile's order. */
  reports: CheckReport[];
}

export const PROFILE_CHECK_SCHEMA_VERSION = 1;

/**
 * `maildoctor check [ADDRESS]`. With --thunderbird-profile the profile's servers are probed as configured, and
 * without an address every address of the profile is checked, one report each (with --json, one
 * {@link ProfileCheckDocument} when several).
 */
export async function checkCommand(address: string | undefined, opts: CheckCommandOptions, io: Io): Promise<number> {
  const t = translator(cliLang(opts.lang, io));
  if (!opts.thunderbirdProfile) {
    if (!address) throw usageError('usage.noAddress');
    parseAddress(address); // a malformed address is refused before a password is asked for
    return checkAddress(address, opts, io, t);
  }
  const profile = await readThunderbirdProfile(typeof opts.thunderbirdProfile === 'string' ? opts.thunderbirdProfile : undefined, io.env);
  const addresses = address ? [address] : profile.addresses;
  if (addresses.length > 1 && (opts.html || opts.autoconfig || opts.sendTest)) throw usageError('usage.oneAddress', { count: addresses.length });
  const reports: CheckReport[] = [];
  let code = 0;
  for (const a of addresses) {
    // The user name of the profile's incoming server for this address, unless --user says otherwise.
    const user = opts.user ?? profile.servers.find((s) => s.role !== 'smtp' && s.addresses.includes(a))?.username ?? a;
    const hasPassword = Boolean(io.env[opts.passwordEnv ?? PASSWORD_ENV]) || opts.passwordStdin;
    const one = { ...opts, ...(opts.user || hasPassword ? { user } : {}) };
    code = Math.max(code, await checkAddress(a, one, io, t, { configured: profile.servers, collect: addresses.length > 1 && opts.json ? reports : undefined }));
  }
  if (reports.length) {
    const document: ProfileCheckDocument = { kind: 'thunderbird-profile', schemaVersion: PROFILE_CHECK_SCHEMA_VERSION, profile: profile.dir, exitCode: code, reports };
    io.stdout.write(`${toJsonText(document)}\n`);
  }
  return code;
}

async function checkAddress(
  address: string,
  opts: CheckCommandOptions,
  io: Io,
  t: Translator,
  extra: { configured?: ConfiguredServer[]; collect?: CheckReport[] | undefined } = {},
): Promise<number> {
  const options: Partial<CheckOptions> = {};
  if (extra.configured) options.configured = extra.configured;
  const credentials = await credentialsFrom(opts, io, 'prompt');
  if (credentials) options.credentials = credentials;
  else if (opts.user) io.stderr.write(`maildoctor: ${t.text('cli.noPassword', { env: PASSWORD_ENV })}\n`);
  if (opts.allowPlaintextAuth) options.allowPlaintextAuth = true;
  if (opts.dns?.length) options.dns = opts.dns;
  if (opts.ca) options.ca = await readCaFile(opts.ca);
  if (opts.relayRcpt) options.relayRecipient = opts.relayRcpt;
  if (opts.controls === false) options.controls = [];
  else if (opts.control?.length) options.controls = opts.control;
  if (opts.dnsbl !== undefined) options.dnsbl = { mode: opts.dnsbl };
  if (opts.dnsbl !== undefined) options.dnsbl = { mode: opts.dnsbl };
  if (opts.timeout !== undefined) options.timeoutMs = parsePositiveInt('--timeout', opts.timeout);
  if (opts.echoUrl) options.network = { echoUrl: opts.echoUrl };
  if (opts.ispdb === false || typeof opts.ispdb === 'string') options.ispdbBaseUrl = opts.ispdb;
  if (opts.autoconfig !== undefined) await assertWritableFile('--autoconfig', opts.autoconfig);
  if (opts.html !== undefined) await assertWritableFile('--html', opts.html);
  if (opts.sendTest && !isEnvelopeAddress(opts.sendTest)) throw usageError('usage.notAnAddress', { flag: '--send-test', value: JSON.stringify(opts.sendTest) });

  const showProgress = (opts.progress ?? true) && Boolean(io.stderr.isTTY) && !opts.json;
  if (showProgress) options.onProgress = progressLine(io, t);
  if (io.signal) options.signal = io.signal;
  let report;
  try {
    report = await check(address, options);
  } finally {
    if (showProgress) io.stderr.write('\r\x1b[K');
  }

  if (extra.collect) extra.collect.push(report);
  else if (opts.json) io.stdout.write(`${toJsonText(report)}\n`);
  else io.stdout.write(renderReport(report, colors(io), { verbose: opts.verbose, lang: t.lang }));

  let code: number = reportExitCode(report);
  // Files are announced on stderr: the report's last line on stdout is the verdict, and it agrees with the exit code.
  if (opts.html) {
    const { renderHtml } = await import('../report/render-html.js');
    await writeFile(opts.html, renderHtml(report, { lang: t.lang }), { mode: 0o644 });
    io.stderr.write(`maildoctor: ${t.text('cli.htmlWritten', { file: opts.html })}\n`);
  }
  if (opts.autoconfig) {
    const missing = autoconfigMissing(report);
    if (missing) {
      // Thunderbird refuses a clientConfig without both ("Need proper <incomingServer>"): write nothing.
      const reason = t.text(missing === 'incoming' ? 'cli.autoconfigNoIncoming' : 'cli.autoconfigNoOutgoing');
      io.stderr.write(`maildoctor: ${t.text('cli.autoconfigRefused', { reason })}\n`);
      code = EXIT.PROBLEMS;
    } else {
      await writeFile(opts.autoconfig, clientConfigXml(report), { mode: 0o644 });
      io.stderr.write(`maildoctor: ${t.text('cli.autoconfigWritten', { file: opts.autoconfig })}\n`);
    }
  }

  if (opts.sendTest) {
    const sent = await sendTestMessage(report, opts.sendTest, { credentials, ca: options.ca });
    io.stderr.write(`${t.text(sent.ok ? 'cli.testSent' : 'cli.testNotSent', { detail: sent.detail })}\n`);
    if (!sent.ok) code = EXIT.PROBLEMS;
  }
  return code;
}

/** `--lang`, else the language main.ts decided, else the locale of the environment (LC_ALL, LC_MESSAGES, LANG). */
export function cliLang(flag: string | undefined, io: Io): Lang {
  if (flag === undefined) return io.lang ?? langFromEnv(io.env);
  if (!isLang(flag)) throw usageError('usage.badLang', { value: JSON.stringify(flag) });
  return flag;
}

function progressLine(io: Io, t: Translator): (e: CheckProgress) => void {
  let total = 0;
  let done = 0;
  const running = new Set<string>();
  return (e) => {
    if (e.type === 'phase') {
      if (e.total !== undefined) total = e.total;
      io.stderr.write(`\r\x1b[K… ${t.text(`progress.${e.phase}` as TextId)}`);
      return;
    }
    if (!e.probe) return;
    const name = `${e.probe.protocol} ${e.probe.host}:${e.probe.port}`;
    if (e.type === 'probe-start') running.add(name);
    else {
      running.delete(name);
      done = e.done ?? done + 1;
    }
    const width = Math.max(20, ((io.stderr as NodeJS.WriteStream).columns ?? 80) - 20);
    const list = [...running].join(', ');
    io.stderr.write(`\r\x1b[K[${done}/${total}] ${list.length > width ? `${list.slice(0, width - 1)}…` : list}`);
  };
}
