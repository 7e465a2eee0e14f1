import { evidenceOf, unique } from '../analysis.js';
import { interceptions } from '../network.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * A network that answers in place of every server on a port (ISP, hotel and antivirus gateways redirecting port
 * 25 to their own relay). The proof is that unrelated destinations greet with one name and present one
 * certificate that covers none of them; see interceptions(). The certificate "mismatch" this explains is not
 * reported as the server's (tlsRule skips intercepted endpoints).
 */
export const interceptionRule: Rule = (facts) =>
  interceptions(facts).map((i): Finding => {
    const hosts = unique(i.victims.map((p) => p.host));
    const controls = unique(i.controls.map((p) => p.host));
    const genuinePorts = unique(i.genuine.map((p) => String(p.port)));
    return {
      code: 'PORT_INTERCEPTED_BY_NETWORK',
      severity: 'warning',
      params: {
        port: i.port,
        hosts,
        hostCount: hosts.length,
        name: i.name,
        fingerprint: i.fingerprint ? `${i.fingerprint.slice(0, 23)}…` : '',
        controls,
        controlCount: controls.length,
        genuinePorts,
        genuineCount: genuinePorts.length,
        own: i.own?.host ?? '',
        hasOwn: i.own ? 'yes' : 'no',
        hasFingerprint: i.fingerprint ? 'yes' : 'no',
        first: hosts[0]!,
      },
      evidence: [
        ...i.victims.map((p) => `[${p.id}] greeting ${p.result.greeting?.code ?? ''} ${p.result.greetingHost ?? ''}${p.result.tls?.certificate ? `; certificate ${p.result.tls.certificate.subjectAltNames.join(', ') || p.result.tls.certificate.subject}, SHA-256 ${p.result.tls.certificate.fingerprint256.slice(0, 23)}…` : ''}`),
        ...i.controls.map((p) => `[${p.id}] control greets: ${p.result.greeting?.code ?? ''} ${p.result.greeting?.text ?? ''}`.slice(0, 160)),
        ...i.genuine.slice(0, 2).map((p) => `[${p.id}] own certificate: ${p.result.tls!.certificate!.subjectAltNames.join(', ')}, SHA-256 ${p.result.tls!.certificate!.fingerprint256.slice(0, 23)}…`),
        ...(i.own ? evidenceOf(i.own, 1) : []),
      ],
      probes: [...i.victims, ...i.controls].map((p) => p.id),
    };
  });
