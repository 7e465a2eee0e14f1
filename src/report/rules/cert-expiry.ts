import { chainEvidence, unique } from '../analysis.js';
import type { CheckProbe, Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * A trusted certificate that expires soon (the probe's TLS_CERT_EXPIRES_SOON warning, see lib/tls.ts): it works
 * today, and mail clients will refuse it after the date in the evidence. One finding per certificate, naming
 * every host and port that presents it (one server often answers for several names).
 */
export const certExpiryRule: Rule = (facts) => {
  const byCert = new Map<string, CheckProbe[]>();
  for (const p of facts.probes) {
    const fingerprint = p.result.tls?.certificate?.fingerprint256;
    if (p.purpose === 'control' || !fingerprint || !p.result.warnings.some((w) => w.code === 'TLS_CERT_EXPIRES_SOON')) continue;
    byCert.set(fingerprint, [...(byCert.get(fingerprint) ?? []), p]);
  }
  return [...byCert.values()].map((group): Finding => {
    const first = group[0]!;
    const cert = first.result.tls!.certificate!;
    const days = `${cert.daysLeft} day${cert.daysLeft === 1 ? '' : 's'}`;
    const hosts = unique(group.map((p) => p.host));
    return {
      code: 'TLS_CERT_EXPIRES_SOON',
      severity: 'warning',
      summary: `The certificate of ${hosts.join(', ')} expires in ${days}, on ${cert.validTo.slice(0, 10)}`,
      explanation: `The server presents a valid certificate for ${cert.subjectAltNames.join(', ') || cert.subject}, issued by ${cert.issuer}, that expires on ${cert.validTo}: ${days} left. Until then everything works; after that mail clients refuse the connection, unless the provider renews it in time (certificates are often renewed only days before).`,
      // The chain once (one certificate), then every port that presents it.
      evidence: [`[${first.id}] certificate valid until ${cert.validTo}: ${days} left`, ...chainEvidence(first), ...group.slice(1).map((p) => `[${p.id}] the same certificate`)],
      fix: 'Nothing to change on your side today. If mail stops working after that date with a certificate error, tell the provider its certificate has expired.',
      probes: group.map((p) => p.id),
    };
  });
};
