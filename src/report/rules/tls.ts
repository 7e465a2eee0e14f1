import { byEndpoint, evidenceOf, failedWith } from '../analysis.js';
import type { FindingCode } from '../../lib/codes.js';
import { inspectedEndpoints, interceptedEndpoints, stalledEndpoints } from '../network.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * Certificate, TLS mode and STARTTLS findings. Judged per endpoint, reported per host: a server presents the
 * same certificate on all its ports, and eight copies of one finding hide the others.
 */
export const tlsRule: Rule = (facts) => {
  const out: Array<Finding & { host: string; port: number }> = [];
  // What the network did is reported as the network's doing (interception, inspection, a black hole), never as
  // the server's certificate or missing STARTTLS: the server was not what answered, or not what was heard.
  const network = new Set([...interceptedEndpoints(facts), ...inspectedEndpoints(facts), ...stalledEndpoints(facts)]);
  for (const [endpoint, group] of byEndpoint(facts.probes.filter((p) => p.purpose !== 'control'))) {
    if (network.has(endpoint)) continue;
    const p = group[0]!;
    const cert = p.result.tls?.certificate;
    const certText = cert ? `certificate for ${cert.subjectAltNames.join(', ') || cert.subject}, issued by ${cert.issuer}, valid until ${cert.validTo.slice(0, 10)}` : 'no certificate';
    const add = (code: FindingCode, severity: Finding['severity'], summary: string, explanation: string, fix?: string, evidence = [...evidenceOf(p, 1), `[${p.id}] ${certText}`]): void => {
      out.push({ code, severity, summary, explanation, evidence, ...(fix ? { fix } : {}), probes: group.map((x) => x.id), host: p.host, port: p.port });
    };
    if (failedWith(p, 'TLS_CERT_EXPIRED')) {
      add('TLS_CERT_EXPIRED', 'error', `The certificate of ${endpoint} has expired`, `The server presents a ${certText}. Mail clients refuse it (or ask you to accept a risk). maildoctor sent nothing over it.`, 'Tell the provider; do not accept the certificate permanently in your mail client.');
    } else if (failedWith(p, 'TLS_CERT_HOSTNAME_MISMATCH')) {
      add('TLS_CERT_HOSTNAME_MISMATCH', 'error', `The certificate of ${endpoint} is for another name`, `The server presents a ${certText}, which does not cover ${p.host}. Often the provider wants you to use another host name (the one in the certificate).`, cert?.subjectAltNames[0] ? `Try the name the certificate covers: ${cert.subjectAltNames[0].replace(/^DNS:/, '')}.` : undefined);
    } else if (failedWith(p, 'TLS_CERT_UNTRUSTED', 'TLS_CERT_SELF_SIGNED')) {
      add('TLS_CERT_UNTRUSTED', 'error', `The certificate of ${endpoint} is not trusted`, `The server presents a ${certText}, which does not chain to a trusted certificate authority (${p.result.tls?.trustError ?? 'unknown reason'}). Someone may be intercepting the connection, or the server is misconfigured.`, 'Do not accept it unless the provider confirms its fingerprint.');
    } else if (failedWith(p, 'TLS_MODE_MISMATCH')) {
      const implicitExpected = p.security === 'tls';
      add('TLS_MODE_MISMATCH', 'warning', `${endpoint} ${implicitExpected ? 'does not speak implicit TLS (SSL/TLS)' : 'speaks implicit TLS (SSL/TLS), not STARTTLS'}`, `The port was tried with ${implicitExpected ? 'implicit TLS, but the server answered in plaintext' : 'a plaintext greeting expected, but the server waits for a TLS handshake'}. A mail client set the wrong way hangs or fails with an obscure error.`, implicitExpected ? 'Set the connection security to STARTTLS for this port.' : 'Set the connection security to SSL/TLS for this port.');
    } else if (failedWith(p, 'STARTTLS_UNAVAILABLE') || group.some((x) => x.result.ok && x.security !== 'plain' && x.result.security === 'plain')) {
      add('STARTTLS_UNAVAILABLE', 'warning', `${endpoint} offers no encryption`, `The server does not offer STARTTLS on this port: everything, including your password, would travel unencrypted.`, 'Use a port with TLS (465, 993, 995) if the provider offers one.');
    }
    if (group.some((x) => x.result.warnings.some((w) => w.code === 'STARTTLS_PLAINTEXT_INJECTION'))) {
      // The proof is the probe's warning, not how the session ended (often an unrelated refusal later on).
      const injected = group.flatMap((x) => x.result.warnings.filter((w) => w.code === 'STARTTLS_PLAINTEXT_INJECTION').map((w) => `[${x.id}] ${w.code} in ${w.phase}: ${w.message}`));
      add('STARTTLS_PLAINTEXT_INJECTION', 'warning', `Plaintext was injected into the STARTTLS upgrade on ${endpoint}`, 'After the server agreed to start TLS, more unencrypted data arrived before the handshake. maildoctor discarded it, as RFC 3207 requires; a broken server or something on the path (a "security" proxy) did this.', undefined, injected);
    }
  }
  return mergeByHost(out);
};

/**
 * One finding per (code, host, words): every port named, every probe and piece of evidence kept. Ports whose
 * findings say different things stay apart (465 answering in plaintext and 587 speaking implicit TLS on one host
 * need opposite fixes).
 */
function mergeByHost(items: Array<Finding & { host: string; port: number }>): Finding[] {
  const merged = new Map<string, { finding: Finding; host: string; ports: number[]; endpoint: string }>();
  for (const { host, port, ...finding } of items) {
    const key = JSON.stringify([finding.code, host, finding.explanation, finding.fix]);
    const seen = merged.get(key);
    if (!seen) merged.set(key, { finding: { ...finding }, host, ports: [port], endpoint: `${host}:${port}` });
    else {
      seen.ports.push(port);
      seen.finding.probes.push(...finding.probes);
      seen.finding.evidence.push(...finding.evidence);
    }
  }
  return [...merged.values()].map(({ finding, host, ports, endpoint }) =>
    ports.length === 1 ? finding : { ...finding, summary: finding.summary.replace(endpoint, `${host} (ports ${ports.join(', ')})`) },
  );
}
