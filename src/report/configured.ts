/**
 * The settings the user's mail client already has (facts.clientSettings, from a Thunderbird profile), judged from
 * the probes that tried them exactly as configured: works, does not, or could not be told without a password;
 * and, when one does not work, the recommended setting of its role to change it to. Pure.
 */
import type { ConfiguredServer } from '../thunderbird/profile.js';
import { offersAuth } from './analysis.js';
import type { CheckFacts, CheckProbe, ConfiguredVerdict, Recommendation } from './types.js';

export function configuredVerdicts(facts: CheckFacts, rec: Recommendation): ConfiguredVerdict[] | undefined {
  if (!facts.clientSettings) return undefined;
  return facts.clientSettings.map((c) => {
    const mine = facts.probes.filter((p) => p.purpose === 'configured' && p.host === c.host && p.port === c.port);
    const works = verdict(c, mine);
    const best = c.role === 'smtp' ? rec.outgoing : rec.incoming;
    const changeTo = works === 'no' && best && !(best.host === c.host && best.port === c.port && best.security === c.security) ? best : undefined;
    const codes = [...new Set(mine.flatMap((p) => [...(p.result.error ? [p.result.error.code] : []), ...p.result.warnings.map((w) => w.code)]))];
    const probe = mine.find((p) => p.withAuth) ?? mine[0];
    return {
      role: c.role,
      host: c.host,
      port: c.port,
      security: c.security,
      auth: c.auth,
      works,
      probe: probe?.id ?? '',
      codes,
      ...(changeTo ? { changeTo } : {}),
    };
  });
}

function verdict(c: ConfiguredServer, probes: CheckProbe[]): ConfiguredVerdict['works'] {
  const p = probes.find((x) => x.withAuth) ?? probes[0];
  if (!p) return 'no';
  const r = p.result;
  if (c.role === 'smtp') {
    if (r.ok && r.relay?.accepted) return 'yes';
    // Set up to log in, no password to try: a server that offers login over an encrypted session may well work.
    if (!p.withAuth && c.auth === 'password' && offersAuth(p) && r.error?.code !== 'AUTH_FAILED') return 'unverified';
    return 'no';
  }
  if (r.ok && (r.auth?.ok || !p.withAuth)) return p.withAuth || c.auth === 'none' ? 'yes' : 'unverified';
  return 'no';
}
