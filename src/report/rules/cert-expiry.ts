import { chainEvidence, unique } from '../analysis.js';
import type { CertificateFacts } from '../../lib/types.js';
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
    // The probe warns only about a certificate whose notAfter it read.
    const cert = first.result.tls!.certificate! as Required<Pick<CertificateFacts, 'validTo' | 'daysLeft'>> & CertificateFacts;
    const days = `${cert.daysLeft} day${cert.daysLeft === 1 ? '' : 's'}`;
    return {
      code: 'TLS_CERT_EXPIRES_SOON',
      severity: 'warning',
      params: {
        hosts: unique(group.map((p) => p.host)),
        days: cert.daysLeft,
        validTo: cert.validTo.slice(0, 10),
        names: cert.subjectAltNames.join(', ') || cert.subject,
        issuer: cert.issuer,
      },
      // Evidence is data, not a sentence: the chain once (one certificate), then every port that presents it.
      evidence: [`[${first.id}] certificate valid until ${cert.validTo}: ${days} left`, ...chainEvidence(first), ...group.slice(1).map((p) => `[${p.id}] the same certificate`)],
      probes: group.map((p) => p.id),
    };
  });
};
