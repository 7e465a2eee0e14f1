import { escapeStrings } from '../lib/text.js';
import type { ProbeResult } from '../lib/types.js';
import type { Translator } from '../i18n/index.js';

type Colors = { red(s: string): string; green(s: string): string; yellow(s: string): string; dim(s: string): string; bold(s: string): string; cyan(s: string): string };

/**
 * Human output of one probe: the transcript (already redacted) and a one-line verdict, in the translator's
 * language. The transcript itself, codes, phases and protocol words stay as the wire has them.
 */
export function renderProbeResult(result: ProbeResult, c: Colors, t: Translator): string {
  const r = escapeStrings(result); // server text is data, never terminal control
  const out: string[] = [];
  out.push(c.bold(`${r.protocol} ${where(r)}`));
  for (const e of r.transcript) {
    const ms = c.dim(`${e.t.toFixed(1).padStart(8)} ms`);
    const arrow = e.dir === 'C' ? c.cyan('C:') : e.dir === 'S' ? 'S:' : c.dim('--');
    out.push(`${ms} ${arrow} ${e.dir === 'I' ? c.dim(e.line) : e.line}`);
  }
  if (r.tls) {
    const cert = r.tls.certificate;
    const certText = !cert
      ? ''
      : cert.validTo !== undefined
        ? t.text('probe.tls.certificate', { subject: cert.subject, issuer: cert.issuer, validTo: cert.validTo.slice(0, 10), daysLeft: String(cert.daysLeft) })
        : t.text('probe.tls.undated', {
            subject: cert.subject,
            issuer: cert.issuer,
            notBefore: JSON.stringify(cert.datesAsWritten?.notBefore ?? '?'),
            notAfter: JSON.stringify(cert.datesAsWritten?.notAfter ?? '?'),
          });
    out.push(c.dim(`${t.text('probe.tls', { protocol: r.tls.protocol ?? '?', cipher: r.tls.cipher ?? '' })}${certText}`));
    const chain = r.tls.chain ?? [];
    const unreadable = t.text('probe.unreadable');
    chain.forEach((x, i) =>
      out.push(
        c.dim(
          t.text(x.sentByServer ? 'probe.chain.server' : 'probe.chain.store', {
            n: String(i + 1),
            total: String(chain.length),
            subject: x.subject,
            issuer: x.issuer,
            validFrom: x.validFrom?.slice(0, 10) ?? unreadable,
            validTo: x.validTo?.slice(0, 10) ?? unreadable,
          }),
        ),
      ),
    );
  }
  // The warning's message is the library's English detail (dates, days); other languages say the code's phrase.
  for (const w of r.warnings) out.push(c.yellow(t.text('probe.warning', { code: w.code, phase: w.phase, message: t.lang === 'en' ? w.message : t.error(w.code) })));
  for (const s of r.skipped) out.push(c.dim(t.text('probe.skipped', { step: s.step, reason: s.reason })));
  out.push(verdictLine(r, c, t));
  return `${out.join('\n')}\n`;
}

function where(r: ProbeResult): string {
  return `${r.target.host}:${r.target.port}${r.target.address && r.target.address !== r.target.host ? ` (${r.target.address})` : ''}`;
}

/** `OK …` or `FAIL …`: the protocol, the target, and what worked or the error's code, phase and reply. */
export function verdictLine(r: ProbeResult, c: Colors, t: Translator): string {
  // Numbers as strings: "1234 ms" as the transcript writes it, not the locale's "1,234".
  const ms = String(Math.round(r.durationMs));
  const hostPort = `${r.target.host}:${r.target.port}`;
  if (r.ok) {
    const bits = [t.text(r.security === 'plain' ? 'probe.ok.plain' : r.security === 'tls' ? 'probe.ok.tls' : 'probe.ok.starttls')];
    if (r.auth?.ok) bits.push(t.text('probe.ok.loggedIn', { mechanism: r.auth.mechanism ?? '?' }));
    if (r.relay) bits.push(t.text(r.relay.accepted ? 'probe.ok.relayAccepted' : 'probe.ok.relayRefused'));
    if (r.mailbox) bits.push(t.text('probe.ok.messages', { count: r.mailbox.messages, n: String(r.mailbox.messages) }));
    return c.green(t.text('probe.ok', { protocol: r.protocol, where: hostPort, details: bits.join(', '), ms }));
  }
  const e = r.error!;
  const reply = e.reply ? ` [${[e.reply.code, e.reply.enhanced, e.reply.status].filter(Boolean).join(' ')}]` : '';
  // English keeps the probe's own message (its detail: the server's words, the certificate's reason); another
  // language says the code's phrase of the catalogue, the code itself staying on the line.
  const message = t.lang === 'en' ? e.message : t.error(e.code);
  return c.red(t.text('probe.fail', { protocol: r.protocol, where: hostPort, code: e.code, phase: e.phase, reply, message, ms }));
}
