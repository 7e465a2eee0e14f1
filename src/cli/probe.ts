import { isEnvelopeAddress } from '../discovery/address.js';
import { UsageError } from '../lib/errors.js';
import { toJsonText } from '../lib/text.js';
import type { ProbeOptions, ProbeResult, StartTlsPolicy } from '../lib/types.js';
import { EXIT } from '../lib/exit-codes.js';
import { isProtocol, probes } from '../probes/index.js';
import { parseHostPort } from '../lookup/host-port.js';
import { colors, credentialsFrom, parseLocalAddress, parsePositiveInt, readCaFile, throwIfInterrupted, type Io } from './io.js';
import { renderProbeResult } from './render-probe.js';

export interface ProbeCommandOptions {
  user?: string;
  passwordEnv?: string;
  passwordStdin?: boolean;
  oauthTokenEnv?: string;
  oauthTokenFile?: string;
  relayTest?: string[];
  starttls?: string;
  ca?: string;
  timeout?: string;
  json?: boolean;
  allowPlaintextAuth?: boolean;
  localAddress?: string;
  servername?: string;
}

/** `maildoctor probe PROTOCOL HOST[:PORT]`: one probe, its transcript and a verdict. */
export async function probeCommand(protocol: string, hostPort: string, opts: ProbeCommandOptions, io: Io): Promise<number> {
  if (!isProtocol(protocol)) {
    const params = { protocol: JSON.stringify(protocol), protocols: Object.keys(probes).join(', ') };
    throw new UsageError(`unknown protocol ${params.protocol}; one of: ${params.protocols}`, { msg: 'usage.unknownProtocol', params });
  }
  const target = parseHostPort(hostPort);
  if (protocol === 'tcp' && target.port === undefined) throw new UsageError('a tcp probe needs HOST:PORT', { msg: 'usage.tcpNeedsPort' });
  const options: Partial<ProbeOptions> = {};
  if (opts.starttls !== undefined) {
    if (!['required', 'optional', 'never'].includes(opts.starttls)) throw new UsageError('--starttls takes required, optional or never', { msg: 'usage.starttlsPolicy' });
    options.starttls = opts.starttls as StartTlsPolicy;
  }
  if (opts.timeout !== undefined) options.timeoutMs = parsePositiveInt('--timeout', opts.timeout);
  if (opts.ca !== undefined) options.ca = await readCaFile(opts.ca);
  if (opts.localAddress !== undefined) options.localAddress = parseLocalAddress(opts.localAddress);
  if (opts.servername) options.servername = opts.servername;
  if (opts.allowPlaintextAuth) options.allowPlaintextAuth = true;
  const credentials = await credentialsFrom(opts, io, 'error');
  if (credentials) options.credentials = credentials;
  if (opts.relayTest) {
    if (!protocol.startsWith('smtp')) throw new UsageError('--relay-test is for smtp and smtps probes', { msg: 'usage.relayTestSmtp' });
    if (opts.relayTest.length !== 2) throw new UsageError('--relay-test takes exactly two addresses: FROM TO', { msg: 'usage.relayTestTwo' });
    const [from, to] = opts.relayTest as [string, string];
    for (const a of [from, to]) {
      if (!isEnvelopeAddress(a)) throw new UsageError(`--relay-test: not an address: ${JSON.stringify(a)}`, { msg: 'usage.notAnAddress', params: { flag: '--relay-test', value: JSON.stringify(a) } });
    }
    options.relayTest = { from, to };
  }

  if (io.signal) options.signal = io.signal;
  const result = await probes[protocol](target, options);
  throwIfInterrupted(io);
  if (opts.json) io.stdout.write(`${toJsonText(result)}\n`);
  else {
    // The words of the text output come from the catalogue, loaded only for it (JSON has none).
    const { langFromEnv, translator } = await import('../i18n/index.js');
    io.stdout.write(renderProbeResult(result, colors(io), translator(io.lang ?? langFromEnv(io.env))));
  }
  return verdictExitCode(result);
}

export function verdictExitCode(result: ProbeResult): number {
  return result.ok ? EXIT.OK : EXIT.PROBLEMS;
}
