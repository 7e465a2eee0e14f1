import { escapeStrings } from '../lib/text.js';
import type { ProbeResult } from '../lib/types.js';

type Colors = { red(s: string): string; green(s: string): string; yellow(s: string): string; dim(s: string): string; bold(s: string): string; cyan(s: string): string };

/** Human output of one probe: the transcript (already redacted) and a one-line verdict. */
export function renderProbeResult(result: ProbeResult, c: Colors): string {
  const r = escapeStrings(result); // server text is data, never terminal control
  const out: string[] = [];
  const where = `${r.target.host}:${r.target.port}${r.target.address && r.target.address !== r.target.host ? ` (${r.target.address})` : ''}`;
  out.push(c.bold(`${r.protocol} ${where}`));
  for (const e of r.transcript) {
    const t = c.dim(`${e.t.toFixed(1).padStart(8)} ms`);
    const arrow = e.dir === 'C' ? c.cyan('C:') : e.dir === 'S' ? 'S:' : c.dim('--');
    out.push(`${t} ${arrow} ${e.dir === 'I' ? c.dim(e.line) : e.line}`);
  }
  if (r.tls) {
    const cert = r.tls.certificate;
    out.push(
      c.dim(`TLS ${r.tls.protocol ?? '?'} ${r.tls.cipher ?? ''}${cert ? `; certificate ${cert.subject}, issuer ${cert.issuer}, ${cert.validTo !== undefined ? `valid to ${cert.validTo.slice(0, 10)} (${cert.daysLeft} days)` : `validity unreadable (notBefore ${JSON.stringify(cert.datesAsWritten?.notBefore ?? '?')}, notAfter ${JSON.stringify(cert.datesAsWritten?.notAfter ?? '?')})`}` : ''}`),
    );
    const chain = r.tls.chain ?? [];
    chain.forEach((x, i) =>
      out.push(c.dim(`  chain ${i + 1}/${chain.length} ${x.sentByServer ? 'sent by the server' : 'from the trust store'}: ${x.subject}; issuer ${x.issuer}; valid ${x.validFrom?.slice(0, 10) ?? 'unreadable'} to ${x.validTo?.slice(0, 10) ?? 'unreadable'}`)),
    );
  }
  for (const w of r.warnings) out.push(c.yellow(`warning ${w.code} (${w.phase}): ${w.message}`));
  for (const s of r.skipped) out.push(c.dim(`skipped ${s.step}: ${s.reason}`));
  out.push(verdictLine(r, c));
  return `${out.join('\n')}\n`;
}

export function verdictLine(r: ProbeResult, c: Colors): string {
  const ms = `${Math.round(r.durationMs)} ms`;
  if (r.ok) {
    const bits = [r.security === 'plain' ? 'unencrypted' : r.security === 'tls' ? 'implicit TLS' : 'STARTTLS'];
    if (r.auth?.ok) bits.push(`logged in (${r.auth.mechanism})`);
    if (r.relay) bits.push(r.relay.accepted ? 'relay accepted' : 'relay refused');
    if (r.mailbox) bits.push(`${r.mailbox.messages} message${r.mailbox.messages === 1 ? "" : "s"}`);
    return c.green(`OK ${r.protocol} ${r.target.host}:${r.target.port}: ${bits.join(', ')} in ${ms}`);
  }
  const e = r.error!;
  const reply = e.reply ? ` [${[e.reply.code, e.reply.enhanced, e.reply.status].filter(Boolean).join(' ')}]` : '';
  return c.red(`FAIL ${r.protocol} ${r.target.host}:${r.target.port}: ${e.code} in ${e.phase}${reply}: ${e.message} (${ms})`);
}
