import { unique } from '../analysis.js';
import { inspectionSigns, inspections } from '../network.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * An SMTP fixup on the way (Cisco PIX/ASA "inspect esmtp" style): the greeting masked with asterisks, STARTTLS
 * replaced by `XXXXXXXA` in the EHLO reply, the STARTTLS command rewritten so the server refuses it. Encryption
 * on that port is stripped, so no password may go there.
 */
export const inspectionRule: Rule = (facts) =>
  inspections(facts).map((i): Finding => {
    const hosts = unique(i.probes.map((p) => p.host));
    const where = i.onThisNetwork
      ? `Different servers (${hosts.join(', ')}) show the same rewriting, so it happens on this network, before the traffic reaches any of them.`
      : `Only ${hosts.join(', ')} was seen through it, so the firewall may be on this network or in front of that server: the evidence cannot tell which.`;
    return {
      code: 'SMTP_INSPECTED_BY_NETWORK',
      severity: 'warning',
      summary: `A firewall ${i.onThisNetwork ? 'on this network' : 'on the way'} rewrites SMTP on port ${i.port} and strips its encryption`,
      explanation:
        `The SMTP session on port ${i.port} is not what the server sends: the greeting is masked with asterisks and the STARTTLS extension is replaced by XXXXXXXA (or the STARTTLS command is refused), the signature of an SMTP "inspection" fixup such as Cisco PIX/ASA "inspect esmtp". ${where} ` +
        `On this port, everything would travel unencrypted, your password included: maildoctor sent none there.`,
      evidence: i.probes.flatMap(inspectionSigns),
      fix: `Do not use port ${i.port} from here. Use port 465 (SSL/TLS), where encryption starts before any SMTP is spoken, so the fixup cannot strip it${i.port === 587 ? '' : ', or 587 if it shows STARTTLS'}. The network’s administrator can turn the inspection off ("no inspect esmtp").`,
      probes: i.probes.map((p) => p.id),
    };
  });
