import { writeFile } from 'node:fs/promises';
import { check, type CheckOptions, type CheckProgress } from '../check/check.js';
import { parseAddress } from '../discovery/address.js';
import { UsageError } from '../lib/errors.js';
import { toJsonText } from '../lib/text.js';
import { sendTestMessage } from '../check/send-test.js';
import { reportExitCode } from '../report/index.js';
import { clientConfigXml } from '../report/client-config-xml.js';
import { renderReport } from '../report/render-text.js';
import { EXIT, assertWritableFile, colors, credentialsFrom, parsePositiveInt, readCaFile, type Io } from './io.js';

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
}

export async function checkCommand(address: string, opts: CheckCommandOptions, io: Io): Promise<number> {
  const options: Partial<CheckOptions> = {};
  parseAddress(address); // a malformed address is refused before a password is asked for
  const credentials = await credentialsFrom(opts, io, 'prompt');
  if (credentials) options.credentials = credentials;
  else if (opts.user) io.stderr.write(`maildoctor: no password (set ${PASSWORD_ENV}, use --password-env VAR or --password-stdin, or run on a terminal to be asked): logins will not be tested\n`);
  if (opts.allowPlaintextAuth) options.allowPlaintextAuth = true;
  if (opts.dns?.length) options.dns = opts.dns;
  if (opts.ca) options.ca = await readCaFile(opts.ca);
  if (opts.relayRcpt) options.relayRecipient = opts.relayRcpt;
  if (opts.controls === false) options.controls = [];
  else if (opts.control?.length) options.controls = opts.control;
  if (opts.dnsbl !== undefined) options.dnsbl = { mode: opts.dnsbl };
  if (opts.timeout !== undefined) options.timeoutMs = parsePositiveInt('--timeout', opts.timeout);
  if (opts.echoUrl) options.network = { echoUrl: opts.echoUrl };
  // The ISPDB is asked twice: for the address's domain (discovery) and for the network provider's domain
  // (networkIdentity); --ispdb/--no-ispdb govern both, or --no-ispdb would still send the provider's domain.
  if (opts.ispdb === false || typeof opts.ispdb === 'string') {
    const ispdbBaseUrl = opts.ispdb as string | false;
    options.discovery = { ispdbBaseUrl };
    options.network = { ...options.network, ispdbBaseUrl };
  }
  if (opts.autoconfig !== undefined) await assertWritableFile('--autoconfig', opts.autoconfig);
  if (opts.sendTest && !/^[^\s<>@]+@[^\s<>@]+$/.test(opts.sendTest)) throw new UsageError(`--send-test: not an address: ${JSON.stringify(opts.sendTest)}`);

  const showProgress = (opts.progress ?? true) && Boolean(io.stderr.isTTY) && !opts.json;
  if (showProgress) options.onProgress = progressLine(io);
  if (io.signal) options.signal = io.signal;
  let report;
  try {
    report = await check(address, options);
  } finally {
    if (showProgress) io.stderr.write('\r\x1b[K');
  }

  if (opts.json) io.stdout.write(`${toJsonText(report)}\n`);
  else io.stdout.write(renderReport(report, colors(io), { verbose: opts.verbose }));

  if (opts.autoconfig) {
    await writeFile(opts.autoconfig, clientConfigXml(report), { mode: 0o644 });
    if (!opts.json) io.stdout.write(`Settings written to ${opts.autoconfig} (clientConfig v1.1).\n`);
  }

  let code: number = reportExitCode(report);
  if (opts.sendTest) {
    const sent = await sendTestMessage(report, opts.sendTest, { credentials, ca: options.ca });
    io.stderr.write(`${sent.ok ? 'Test message accepted' : 'Test message NOT sent'}: ${sent.detail}\n`);
    if (!sent.ok) code = EXIT.PROBLEMS;
  }
  return code;
}

function progressLine(io: Io): (e: CheckProgress) => void {
  let total = 0;
  let done = 0;
  const running = new Set<string>();
  return (e) => {
    if (e.type === 'phase') {
      if (e.total !== undefined) total = e.total;
      io.stderr.write(`\r\x1b[K… ${e.phase}`);
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
