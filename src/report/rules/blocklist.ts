import type { BlocklistAnswer } from '../../network/dnsbl.js';
import { evidenceOf, suggestsBlocklist, unique } from '../analysis.js';
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
  return `Spamhaus ${lists.join('/')} (${a.zone})`;
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
    const others = listed.filter((a) => !isZen(a)).map((a) => a.zone);
    const refused = unique(refusals.map((p) => `${p.host}:${p.port}`));
    return [
      {
        code: 'CLIENT_ADDRESS_BLOCKLISTED',
        severity: refusals.length ? 'error' : 'warning',
        params: {
          address: b.address ?? '?',
          lists: listed.map(describe),
          pbl: zen.includes('PBL') ? 'yes' : 'no',
          xbl: zen.includes('XBL') ? 'yes' : 'no',
          sbl: zen.includes('SBL') || zen.includes('CSS') ? 'yes' : 'no',
          others,
          othersCount: others.length,
          refused,
          refusedCount: refused.length,
          pblOnly: zen.length > 0 && zen.every((l) => l === 'PBL') && listed.every(isZen) ? 'yes' : 'no',
        },
        evidence: [...listed.map(answerLine), ...refusalEvidence],
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
      // NOT_VERIFIED says what was not verified: here the blocklist lookup (skipped: no public address known).
      params: b.skipped
        ? { what: 'blocklistSkipped', address: '', zones: [], refused: 'no' }
        : { what: 'blocklistUndecided', address: b.address ?? '', zones: undecided.map((a) => a.zone), refused: refused ? 'yes' : 'no' },
      evidence: [...undecided.map(answerLine), ...refusalEvidence],
      probes: refusals.map((p) => p.id),
    },
  ];
};
