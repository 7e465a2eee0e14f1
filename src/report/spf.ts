/**
 * A small, pure SPF reading (RFC 7208) for one question: would mail for this domain sent from this IP pass?
 * Only what can be decided from facts already at hand is decided: ip4/ip6, a and mx (with addresses the check
 * resolved), and `all`. `include`, `redirect`, `exists` and `ptr` would need more DNS, so a non-match with any
 * of them present is "unknown", never a guess of "fail".
 */
import net from 'node:net';

export type SpfVerdict = 'pass' | 'fail' | 'softfail' | 'neutral' | 'none' | 'unknown';

export interface SpfInputs {
  record?: string;
  ip: string;
  /** Addresses of the domain itself (for `a`). */
  domainAddresses: string[];
  /** Addresses of the domain's MX hosts (for `mx`). */
  mxAddresses: string[];
}

const QUALIFIER: Record<string, SpfVerdict> = { '+': 'pass', '-': 'fail', '~': 'softfail', '?': 'neutral' };

export function evaluateSpf({ record, ip, domainAddresses, mxAddresses }: SpfInputs): { verdict: SpfVerdict; unevaluated: string[] } {
  if (!record) return { verdict: 'none', unevaluated: [] };
  const terms = record.trim().split(/\s+/).slice(1);
  const unevaluated: string[] = [];
  for (const term of terms) {
    const m = /^([+\-~?]?)([a-z0-9]+)(?:[:/=](.*))?$/i.exec(term);
    if (!m) continue;
    const qualifier = QUALIFIER[m[1] || '+']!;
    const mech = m[2]!.toLowerCase();
    const arg = m[3];
    switch (mech) {
      case 'all':
        return unevaluated.length && qualifier !== 'pass' ? { verdict: 'unknown', unevaluated } : { verdict: qualifier, unevaluated };
      case 'ip4':
      case 'ip6':
        if (arg && inCidr(ip, arg)) return { verdict: qualifier, unevaluated };
        break;
      case 'a':
        if (!arg || arg.startsWith('/')) {
          if (domainAddresses.includes(ip)) return { verdict: qualifier, unevaluated };
        } else unevaluated.push(term);
        break;
      case 'mx':
        if (!arg || arg.startsWith('/')) {
          if (mxAddresses.includes(ip)) return { verdict: qualifier, unevaluated };
        } else unevaluated.push(term);
        break;
      case 'redirect':
      case 'include':
      case 'exists':
      case 'ptr':
        unevaluated.push(term);
        break;
      default:
        break; // modifiers (exp=, v=) and unknown mechanisms change nothing here
    }
  }
  return { verdict: unevaluated.length ? 'unknown' : 'neutral', unevaluated };
}

export function inCidr(ip: string, cidr: string): boolean {
  const [base, bitsText] = cidr.split('/') as [string, string | undefined];
  const family = net.isIP(ip);
  if (family === 0 || family !== net.isIP(base)) return false;
  const bits = bitsText === undefined ? (family === 4 ? 32 : 128) : Number(bitsText);
  const list = new net.BlockList();
  try {
    list.addSubnet(base, bits, family === 4 ? 'ipv4' : 'ipv6');
  } catch {
    return false;
  }
  return list.check(ip, family === 4 ? 'ipv4' : 'ipv6');
}

/** DMARC policy (RFC 7489 §6.3): p= of the record, or undefined. */
export function dmarcPolicy(record?: string): 'none' | 'quarantine' | 'reject' | undefined {
  const m = record ? /(?:^|;)\s*p\s*=\s*(none|quarantine|reject)\s*(?:;|$)/i.exec(record) : null;
  return m ? (m[1]!.toLowerCase() as 'none' | 'quarantine' | 'reject') : undefined;
}
