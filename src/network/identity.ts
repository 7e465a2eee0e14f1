/**
 * Who this network is, with network I/O: the public address (an echo URL, else the default-route interface),
 * its reverse DNS name and forward confirmation, the provider, and the fingerprints.
 */
import { setMaxListeners } from 'node:events';
import { isIP } from 'node:net';
import { usageError } from '../i18n/index.js';
import { Deadline, settleBy } from '../lib/deadline.js';
import { registrableDomain } from '../discovery/address.js';
import { fetchSmall } from '../lookup/http.js';
import { expandIpv6, lookupPtr } from '../lookup/records.js';
import { abortError, assertTimeout, inSession, LookupSession, MAX_SIGNAL_LISTENERS, type LookupOptions } from '../lookup/session.js';
import { fingerprintParts, hashOf } from './fingerprint.js';
import { isNonPrivate, localNetwork } from './local.js';
import { providerServers } from './provider.js';
import type { LocalNetwork, NetworkIdentity, NetworkIdentityOptions, NetworkIdentityOwnOptions, PublicAddress } from './types.js';

/** Overall deadline of networkIdentity(): echo, PTR, then the provider's autoconfig. */
export const NETWORK_IDENTITY_TIMEOUT_MS = 8_000;
/** An echo answer is one address; anything much longer is not. */
const ECHO_MAX_BYTES = 4_096;

/** Parse an echo answer: a bare address, or JSON `{"ip": "…"}`. */
export function parseEcho(body: string): string | undefined {
  const text = body.trim();
  if (isIP(text)) return text;
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as { ip?: unknown };
      if (typeof j.ip === 'string' && isIP(j.ip.trim())) return j.ip.trim();
    } catch {
      return undefined;
    }
  }
  return undefined;
}

function addressFromInterface(net: LocalNetwork): PublicAddress | undefined {
  const pick = (ifname: string | undefined, family: 4 | 6): PublicAddress | undefined => {
    const i = net.interfaces.find((x) => x.name === ifname);
    const a = i?.addresses.find((x) => x.family === family && isNonPrivate(x.scope) && !x.temporary);
    return a ? { address: a.address, family, source: 'interface' } : undefined;
  };
  return pick(net.defaultRoutes.ipv4?.interface, 4) ?? pick(net.defaultRoutes.ipv6?.interface, 6);
}

/**
 * Who this network is: interfaces, default route and gateway, resolvers, the public address (echo URL, else a
 * non-private address of the default-route interface), its reverse DNS name, the provider's registrable domain,
 * the provider's likely outgoing SMTP servers, and a fingerprint for change detection. Failures are data
 * (`unknown`, `echo.error`, `reverseDns.error`); only a malformed option throws (`UsageError`).
 *
 * With a lookup session (a check's), it asks through it under its own deadline (`timeoutMs`, within the
 * session's); without one, a session is opened from `options` for this call and closed after it.
 */
export async function networkIdentity(options?: Partial<NetworkIdentityOptions>): Promise<NetworkIdentity>;
export async function networkIdentity(session: LookupSession, options?: Partial<NetworkIdentityOwnOptions>): Promise<NetworkIdentity>;
export async function networkIdentity(
  sessionOrOptions: LookupSession | Partial<NetworkIdentityOptions> = {},
  own: Partial<NetworkIdentityOwnOptions> = {},
): Promise<NetworkIdentity> {
  const session = sessionOrOptions instanceof LookupSession ? sessionOrOptions : undefined;
  const options: Partial<NetworkIdentityOwnOptions> & Partial<LookupOptions> = session ? own : (sessionOrOptions as Partial<NetworkIdentityOptions>);
  if (options.echoUrl !== undefined) {
    let u: URL;
    try {
      u = new URL(options.echoUrl);
    } catch {
      throw usageError('usage.echo.notUrl', { value: options.echoUrl });
    }
    if (u.protocol !== 'https:') throw usageError('usage.echo.notHttps', { scheme: u.protocol });
  }
  const timeoutMs = options.timeoutMs ?? NETWORK_IDENTITY_TIMEOUT_MS;
  assertTimeout('timeout', timeoutMs);
  return inSession(session, session ? {} : options, timeoutMs, (s) => identify(s, options, timeoutMs));
}

async function identify(session: LookupSession, options: Partial<NetworkIdentityOwnOptions>, timeoutMs: number): Promise<NetworkIdentity> {
  const collectedAt = new Date();
  // The session read the system's resolvers already, unless --dns replaced them or a test points at a file.
  const system = session.resolvers.source !== 'option' && !options.paths?.resolvConf ? session.resolvers : undefined;
  const net = localNetwork(options, system);
  const localFingerprint = hashOf(fingerprintParts(net));
  const deadline = new Deadline(timeoutMs, session.signal);
  const { signal } = deadline;
  setMaxListeners(MAX_SIGNAL_LISTENERS, signal);
  const resolve = (host: string) => session.resolveHost(host, signal);
  const unknown = [...net.unknown];
  const out: Omit<NetworkIdentity, 'fingerprint' | 'localFingerprint' | 'durationMs'> = {
    ...net,
    unknown,
    collectedAt: collectedAt.toISOString(),
    queriedResolvers: session.queriedResolvers,
  };
  try {
    // 1. Public address.
    if (options.echoUrl) {
      const r = await fetchSmall(options.echoUrl, {
        dispatcher: session.http.dispatcher,
        ...(session.http.resolve ? { resolve } : {}),
        signal,
        maxBytes: ECHO_MAX_BYTES,
        accept: 'application/json, text/plain;q=0.9',
        timeoutMs: session.http.requestTimeoutMs,
      });
      out.echo = { url: options.echoUrl, ok: r.ok, ...(r.status !== undefined ? { status: r.status } : {}), durationMs: r.durationMs, ...(r.error ? { error: r.error } : {}) };
      if (r.ok) {
        const ip = parseEcho(r.body ?? '');
        if (ip) out.publicAddress = { address: ip, family: isIP(ip) as 4 | 6, source: 'echo' };
        else out.echo = { ...out.echo, ok: false, error: { code: 'ECHO_MALFORMED', message: `${options.echoUrl} answered ${JSON.stringify((r.body ?? '').slice(0, 60))}` } };
      }
    }
    if (!out.publicAddress) {
      const fromIf = addressFromInterface(net);
      if (fromIf) out.publicAddress = fromIf;
      else {
        unknown.push(
          `publicAddress: ${options.echoUrl ? 'the echo URL gave no address and ' : 'no echo URL configured and '}the default-route interface has no public address (behind NAT?)`,
        );
      }
    }

    // 2. Reverse DNS and forward confirmation.
    if (out.publicAddress) {
      const pub = out.publicAddress.address;
      const ptr = await settleBy(lookupPtr(session.dns, pub, signal), signal, () => ({
        name: pub,
        type: 'PTR',
        ok: false,
        attempts: 0,
        durationMs: 0,
        names: [],
        error: abortError(signal, `PTR ${pub}`),
      }));
      const name = ptr.names[0];
      let forwardConfirmed = false;
      if (name) {
        const fwd = await settleBy(resolve(name), signal, () => undefined);
        forwardConfirmed = fwd?.addresses.some((a) => sameAddress(a, pub)) ?? false;
      }
      out.reverseDns = { ...ptr, ...(name ? { name } : {}), forwardConfirmed };
      if (!name) unknown.push(`provider: the public address ${pub} has no reverse DNS name${ptr.error ? ` (${ptr.error.code})` : ''}`);

      // 3. The provider and its outgoing servers.
      const domain = name ? registrableDomain(name) : null;
      if (name && !domain) unknown.push(`provider: "${name}" has no registrable domain`);
      if (domain) out.provider = await providerServers(domain, session, signal, options.onProviderSmtp);
    }
  } finally {
    deadline.dispose();
  }
  const publicAddress = out.publicAddress?.address ?? null;
  return {
    ...out,
    durationMs: Math.round(performance.now() - deadline.startedAt),
    fingerprint: hashOf({ ...fingerprintParts(net), publicAddress }),
    localFingerprint,
  };
}

function sameAddress(a: string, b: string): boolean {
  if (isIP(a) === 6 && isIP(b) === 6) return expandIpv6(a) === expandIpv6(b);
  return a === b;
}
