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
    const who = i.own ? `${i.own.host} (this network’s own server)` : `a server of this network that calls itself ${i.name}`;
    const certLine = i.fingerprint ? ` and present the same certificate (SHA-256 ${i.fingerprint.slice(0, 23)}…), valid for none of them` : '';
    const proof = [
      i.controls.length ? `an independent control server on port ${i.port} (${unique(i.controls.map((p) => p.host)).join(', ')}) greets with the same name` : '',
      i.genuine.length ? `the same servers present their own certificate, valid for their names, on their other ports (${unique(i.genuine.map((p) => p.port)).join(', ')})` : '',
      i.own ? `${i.own.host} presents exactly the same greeting${i.fingerprint ? ' and certificate' : ''}` : '',
    ].filter(Boolean);
    const submission = i.port === 25 ? 'port 587 (STARTTLS) or 465 (SSL/TLS) with your password' : 'another port';
    return {
      code: 'PORT_INTERCEPTED_BY_NETWORK',
      severity: 'warning',
      summary: `This network intercepts port ${i.port}: ${who} answers in place of ${hosts.join(', ')}`,
      explanation:
        `Every connection to port ${i.port} is answered by the same server, whoever it was meant for: ${hosts.join(', ')} ${hosts.length > 1 ? 'all ' : ''}greet${hosts.length > 1 ? '' : 's'} as ${i.name}${certLine}. ` +
        `${proof.length ? `${capitalise(proof.join('; '))}. ` : ''}` +
        `The network you are on redirects outgoing port ${i.port} to its own server (ISPs, hotels and antivirus gateways do this). The servers you asked for were never reached on that port: their certificate is not wrong, it was never seen.`,
      evidence: [
        ...i.victims.map((p) => `[${p.id}] greeting ${p.result.greeting?.code ?? ''} ${p.result.greetingHost ?? ''}${p.result.tls?.certificate ? `; certificate ${p.result.tls.certificate.subjectAltNames.join(', ') || p.result.tls.certificate.subject}, SHA-256 ${p.result.tls.certificate.fingerprint256.slice(0, 23)}…` : ''}`),
        ...i.controls.map((p) => `[${p.id}] control greets: ${p.result.greeting?.code ?? ''} ${p.result.greeting?.text ?? ''}`.slice(0, 160)),
        ...i.genuine.slice(0, 2).map((p) => `[${p.id}] own certificate: ${p.result.tls!.certificate!.subjectAltNames.join(', ')}, SHA-256 ${p.result.tls!.certificate!.fingerprint256.slice(0, 23)}…`),
        ...(i.own ? evidenceOf(i.own, 1) : []),
      ],
      fix: `Use ${submission}, which this network does not intercept${i.own ? `, or send through ${i.own.host} knowingly (as this network’s server, not as ${hosts[0]})` : ''}. Do not accept the foreign certificate in your mail client.`,
      probes: [...i.victims, ...i.controls].map((p) => p.id),
    };
  });

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
