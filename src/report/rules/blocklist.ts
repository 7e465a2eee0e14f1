import type { BlocklistAnswer } from '../../discovery/dnsbl.js';
import { evidenceOf, suggestsBlocklist, unique } from '../analysis.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/** Spamhaus ZEN return codes (its DNSBL usage documentation): which list of the four says what. */
const ZEN: Record<string, { list: 'SBL' | 'CSS' | 'XBL' | 'PBL'; detail: string }> = {
  '127.0.0.2': { list: 'SBL', detail: 'SBL, known spam source' },
  '127.0.0.3': { list: 'CSS', detail: 'SBL CSS, low-reputation bulk sending' },
  '127.0.0.4': { list: 'XBL', detail: 'XBL, compromised machine (malware, botnet)' },
  '127.0.0.5': { list: 'XBL', detail: 'XBL, compromised machine' },
  '127.0.0.6': { list: 'XBL', detail: 'XBL, compromised machine' },
  '127.0.0.7': { list: 'XBL', detail: 'XBL, compromised machine' },
  '127.0.0.9': { list: 'SBL', detail: 'SBL DROP, hijacked or criminal address range' },
  '127.0.0.10': { list: 'PBL', detail: 'PBL, listed by the ISP as a consumer range' },
  '127.0.0.11': { list: 'PBL', detail: 'PBL, listed by Spamhaus as a consumer range' },
};

const isZen = (a: BlocklistAnswer): boolean => /(^|\.)zen\.spamhaus\.org$/i.test(a.zone);

function describe(a: BlocklistAnswer): string {
  if (!isZen(a)) return a.zone;
  const lists = unique(a.codes.map((c) => ZEN[c]?.list ?? 'listed'));
  return `Spamhaus ${lists.join(' and ')} (${a.zone})`;
}

function answerLine(a: BlocklistAnswer): string {
  const meaning = isZen(a) ? a.codes.map((c) => ZEN[c]?.detail ?? 'unknown ZEN code').join('; ') : '';
  const what = a.status === 'listed' ? `A ${a.codes.join(', ')}${meaning ? ` (${meaning})` : ''}` : a.status === 'refused' ? `A ${a.codes.join(', ')} (query refused, not a listing)` : (a.error?.message ?? a.status);
  return `${a.query}: ${what}${a.reason ? `; reason: ${JSON.stringify(a.reason)}` : ''}`;
}

/**
 * CLIENT_ADDRESS_BLOCKLISTED from the recorded blocklist answers (src/check/blocklists.ts). A listing is a
 * fact; that it caused a refusal in this check is an inference (the rule does not read the server's reply
 * text), said as one. A "query refused" answer (127.255.255.x) or a failed lookup is not a listing: the
 * lookup then could not be verified.
 */
export const blocklistRule: Rule = (facts) => {
  const b = facts.blocklists;
  if (!b) return [];
  const refusals = facts.probes.filter(suggestsBlocklist);
  const refusalEvidence = refusals.flatMap((p) => evidenceOf(p, 1)).slice(0, 4);
  const listed = b.answers.filter((a) => a.status === 'listed');
  if (listed.length > 0) {
    const zen = listed.filter(isZen).flatMap((a) => a.codes.map((c) => ZEN[c]?.list));
    const pblOnly = zen.length > 0 && zen.every((l) => l === 'PBL') && listed.every(isZen);
    const explanation = [
      zen.includes('PBL')
        ? 'The Spamhaus PBL lists address ranges of consumer connections (home broadband, mobile) that are not meant to send mail directly to other mail servers: the ISP or Spamhaus put the range there. It is not an accusation of spam; mail from such addresses is expected to go through a server that knows the sender: the mailbox provider’s submission service with a password, or the ISP’s relay.'
        : '',
      zen.includes('XBL') ? 'The XBL lists addresses where a compromised machine (malware, a botnet, an open proxy) was seen: a device on this network may be infected.' : '',
      zen.includes('SBL') || zen.includes('CSS') ? 'The SBL lists known spam sources (CSS: low-reputation bulk sending; DROP: hijacked ranges).' : '',
      listed.some((a) => !isZen(a)) ? `${listed.filter((a) => !isZen(a)).map((a) => a.zone).join(', ')} also ${listed.filter((a) => !isZen(a)).length > 1 ? 'list' : 'lists'} this address.` : '',
      refusals.length
        ? `${unique(refusals.map((p) => `${p.host}:${p.port}`)).join(', ')} refused this client with a permanent error; servers that check blocklists refuse listed addresses exactly so, so the listing is the likely reason (an inference from the listing: the server’s reply in the evidence usually names the list).`
        : 'No server refused this client in this check, but servers that check this list refuse mail sent directly from this address.',
    ].filter(Boolean);
    return [
      {
        code: 'CLIENT_ADDRESS_BLOCKLISTED',
        severity: refusals.length ? 'error' : 'warning',
        summary: `Your address ${b.address} is on a DNS blocklist: ${listed.map(describe).join(', ')}`,
        explanation: explanation.join(' '),
        evidence: [...listed.map(answerLine), ...refusalEvidence],
        fix: pblOnly
          ? 'Do not send directly to other servers on port 25 from this connection: send through your mailbox provider’s submission service with your password (port 587 with STARTTLS, or 465 with SSL/TLS), or through your ISP’s relay.'
          : 'Send through authenticated submission (port 587 or 465 with your password) or the ISP’s relay meanwhile; find and clean an infected device if the XBL lists you, then ask for removal on the list’s lookup page (or ask the ISP).',
        probes: refusals.map((p) => p.id),
      },
    ];
  }
  const undecided = b.answers.filter((a) => a.status === 'refused' || a.status === 'error');
  if (!b.skipped && undecided.length === 0) return [];
  const refused = undecided.some((a) => a.status === 'refused');
  return [
    {
      code: 'NOT_VERIFIED',
      severity: 'info',
      summary: b.skipped ? 'The blocklist lookup was not made' : 'The blocklist lookup gave no answer for some lists',
      explanation: b.skipped
        ? `maildoctor would have asked DNS blocklists about your public address, but ${b.skipped}.`
        : `${refused ? 'A list refused the query itself (Spamhaus answers 127.255.255.x to queries through public resolvers, or to too many): that is not a listing. ' : ''}Whether ${b.address} is listed on ${undecided.map((a) => a.zone).join(', ')} is not known.`,
      evidence: [...undecided.map(answerLine), ...refusalEvidence],
      fix: refused ? 'Run again with your ISP’s resolver (--dns), or look the address up on the list’s web page.' : 'Run again later, or look the address up on the list’s web page.',
      probes: refusals.map((p) => p.id),
    },
  ];
};
