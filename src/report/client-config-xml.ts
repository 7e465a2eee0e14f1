/**
 * The recommended settings as a Thunderbird clientConfig v1.1 document (the autoconfig format), so a mail
 * client can be set up from what was verified on this network. Pure.
 */
import type { CheckReport, Setting } from './types.js';

const SOCKET_TYPE = { tls: 'SSL', starttls: 'STARTTLS', plain: 'plain' } as const;

export function clientConfigXml(report: CheckReport): string {
  const { incoming, outgoing, hybrid } = report.recommendation;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<clientConfig version="1.1">',
    `  <emailProvider id="${esc(report.domain)}">`,
    `    <domain>${esc(report.domain)}</domain>`,
    `    <displayName>${esc(report.address)}${hybrid ? ' (hybrid: outgoing through the current network)' : ''}</displayName>`,
  ];
  if (incoming) lines.push(...server('incomingServer', incoming, report));
  if (outgoing) lines.push(...server('outgoingServer', outgoing, report));
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
