/**
 * The recommended settings as a Thunderbird clientConfig v1.1 document (the autoconfig format), so a mail
 * client can be set up from what was verified on this network. Pure.
 *
 * Thunderbird refuses a document without an incoming and an outgoing server ("Need proper <incomingServer>"),
 * so one is written only when the report has a setting for both roles (`autoconfigMissing` says which is
 * missing). The recommended setting of each role comes first; the verified alternatives follow as further
 * servers, which a client offers when the first does not work.
 */
import type { CheckReport, Setting } from './types.js';

/** Thunderbird's socketType values (accountConfig.js: "plain", "SSL", "STARTTLS"). */
const SOCKET_TYPE = { tls: 'SSL', starttls: 'STARTTLS', plain: 'plain' } as const;

/** The role that has no setting, when a mail client would refuse the document; undefined when it can be written. */
export function autoconfigMissing(report: CheckReport): 'incoming' | 'outgoing' | undefined {
  if (!report.recommendation.incoming) return 'incoming';
  if (!report.recommendation.outgoing) return 'outgoing';
  return undefined;
}

export function clientConfigXml(report: CheckReport): string {
  const missing = autoconfigMissing(report);
  if (missing) throw new RangeError(`clientConfigXml: the report has no ${missing} setting (check autoconfigMissing first)`);
  const { incoming, outgoing, hybrid, alternatives } = report.recommendation;
  const verified = alternatives.filter((s) => s.verified);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${esc(report.domain)}">`,
    `    <domain>${esc(report.domain)}</domain>`,
    `    <displayName>${esc(report.address)}${hybrid ? ' (hybrid: outgoing through the current network)' : ''}</displayName>`,
  ];
  for (const s of [incoming!, ...verified.filter((x) => x.role !== 'smtp')]) lines.push(...server('incomingServer', s, report));
  for (const s of [outgoing!, ...verified.filter((x) => x.role === 'smtp')]) lines.push(...server('outgoingServer', s, report));
  lines.push('  </emailProvider>', '</clientConfig>', '');
  return lines.join('\n');
}

function server(tag: 'incomingServer' | 'outgoingServer', s: Setting, report: CheckReport): string[] {
  const type = s.role === 'smtp' ? 'smtp' : s.role;
  const out = [
    `    <${tag} type="${type}">`,
    `      <hostname>${esc(s.host)}</hostname>`,
    `      <port>${s.port}</port>`,
    `      <socketType>${SOCKET_TYPE[s.security]}</socketType>`,
  ];
  if (s.auth === 'password' || s.auth === 'oauth2') {
    // clientConfig v1.1: "OAuth2" is the value for bearer-token logins (Thunderbird gets the token itself).
    out.push(`      <authentication>${s.auth === 'oauth2' ? 'OAuth2' : 'password-cleartext'}</authentication>`);
    out.push(`      <username>${esc(s.username ?? report.credentials.user ?? '%EMAILADDRESS%')}</username>`);
  } else {
    out.push('      <authentication>none</authentication>');
  }
  out.push(`    </${tag}>`);
  return out;
}

function esc(text: string): string {
  return text.replace(/[<>&"']/g, (ch) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[ch]!);
}
