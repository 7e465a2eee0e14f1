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
  inspections(facts).map(
    (i): Finding => ({
      code: 'SMTP_INSPECTED_BY_NETWORK',
      severity: 'warning',
      params: { port: i.port, hosts: unique(i.probes.map((p) => p.host)), onThisNetwork: i.onThisNetwork ? 'yes' : 'no' },
      evidence: i.probes.flatMap(inspectionSigns),
      probes: i.probes.map((p) => p.id),
    }),
  );
