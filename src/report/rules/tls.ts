import { byEndpoint, chainEvidence, evidenceOf, failedWith } from '../analysis.js';
import type { FindingCode } from '../../lib/codes.js';
import type { MessageParams, MessageRef } from '../../i18n/types.js';
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
    const names = cert ? cert.subjectAltNames.join(', ') || cert.subject : '';
    // Evidence is data (a fact line), not a sentence: it stays as recorded, in any language.
    const written = cert?.datesAsWritten;
    const validity = written ? `validity as written: notBefore ${JSON.stringify(written.notBefore)}, notAfter ${JSON.stringify(written.notAfter)}` : `valid until ${cert?.validTo?.slice(0, 10)}`;
    const certLine = cert ? `certificate for ${names}, issued by ${cert.issuer}, ${validity}` : 'no certificate';
    const certificate: MessageRef = !cert
      ? { msg: 'phrase.noCertificate' }
      : cert.validTo !== undefined
        ? { msg: 'phrase.certificate', params: { names, issuer: cert.issuer, validTo: cert.validTo.slice(0, 10) } }
        : { msg: 'phrase.certificateUndated', params: { names, issuer: cert.issuer } };
    const add = (code: FindingCode, severity: Finding['severity'], params: MessageParams = {}, evidence = [...evidenceOf(p, 1), `[${p.id}] ${certLine}`, ...chainEvidence(p)]): void => {
      out.push({ code, severity, params: { host: p.host, certificate, ...params }, evidence, probes: group.map((x) => x.id), host: p.host, port: p.port });
    };
    if (failedWith(p, 'TLS_CERT_DATES_INVALID')) {
      // The dates as the certificate writes them are the whole evidence: what a reader can send the provider.
      add('TLS_CERT_DATES_INVALID', 'error', { notBefore: written?.notBefore ?? '?', notAfter: written?.notAfter ?? '?' });
    } else if (failedWith(p, 'TLS_CERT_EXPIRED')) {
      add('TLS_CERT_EXPIRED', 'error');
    } else if (failedWith(p, 'TLS_CERT_HOSTNAME_MISMATCH')) {
      add('TLS_CERT_HOSTNAME_MISMATCH', 'error', { altName: cert?.subjectAltNames[0]?.replace(/^DNS:/, '') ?? 'none' });
    } else if (failedWith(p, 'TLS_CERT_CHAIN_INCOMPLETE')) {
      const chain = p.result.tls?.chain ?? [];
      add('TLS_CERT_CHAIN_INCOMPLETE', 'error', { sent: chain.length, lastIssuer: chain[chain.length - 1]?.issuer ?? '?', trustError: p.result.tls?.trustError ?? '?' });
    } else if (failedWith(p, 'TLS_CERT_UNTRUSTED', 'TLS_CERT_SELF_SIGNED')) {
      add('TLS_CERT_UNTRUSTED', 'error', { trustError: p.result.tls?.trustError ?? '?' });
    } else if (failedWith(p, 'STARTTLS_BROKEN')) {
      add('STARTTLS_BROKEN', 'warning');
    } else if (failedWith(p, 'TLS_MODE_MISMATCH')) {
      add('TLS_MODE_MISMATCH', 'warning', { expected: p.security === 'tls' ? 'tls' : 'plain' });
    } else if (failedWith(p, 'STARTTLS_UNAVAILABLE') || group.some((x) => x.result.ok && x.security !== 'plain' && x.result.security === 'plain')) {
      add('STARTTLS_UNAVAILABLE', 'warning');
    }
    if (group.some((x) => x.result.warnings.some((w) => w.code === 'STARTTLS_PLAINTEXT_INJECTION'))) {
      // The proof is the probe's warning, not how the session ended (often an unrelated refusal later on).
      const injected = group.flatMap((x) => x.result.warnings.filter((w) => w.code === 'STARTTLS_PLAINTEXT_INJECTION').map((w) => `[${x.id}] ${w.code} in ${w.phase}: ${w.message}`));
      add('STARTTLS_PLAINTEXT_INJECTION', 'warning', {}, injected);
    }
  }
  return mergeByHost(out);
};

/**
 * One finding per (code, host, parameters): every port named (`endpoint`), every probe and piece of evidence
 * kept. Ports whose findings differ stay apart (465 answering in plaintext and 587 speaking implicit TLS on one
 * host need opposite fixes).
 */
function mergeByHost(items: Array<Finding & { host: string; port: number }>): Finding[] {
  const merged = new Map<string, { finding: Finding; host: string; ports: number[] }>();
  for (const { host, port, ...finding } of items) {
    const key = JSON.stringify([finding.code, finding.params]);
    const seen = merged.get(key);
    if (!seen) merged.set(key, { finding: { ...finding, evidence: [...finding.evidence], probes: [...finding.probes] }, host, ports: [port] });
    else {
      seen.ports.push(port);
      seen.finding.probes.push(...finding.probes);
      seen.finding.evidence.push(...finding.evidence);
    }
  }
  return [...merged.values()].map(({ finding, host, ports }) => ({
    ...finding,
    params: { ...finding.params, endpoint: { msg: 'phrase.endpoint', params: { host, ports: ports.map(String), count: ports.length } } },
  }));
}
