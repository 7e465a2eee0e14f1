import { probes } from '../probes/index.js';
import type { Credentials } from '../lib/types.js';
import type { CheckReport } from '../report/types.js';

/**
 * `--send-test TO`: the only place maildoctor sends a real message, and only when asked. It uses the
 * recommended outgoing setting (with the password or token when that setting needs one).
 */
export async function sendTestMessage(
  report: CheckReport,
  to: string,
  opts: { credentials?: Credentials; ca?: string | Buffer | Array<string | Buffer> },
): Promise<{ ok: boolean; detail: string }> {
  const s = report.recommendation.outgoing;
  if (!s) return { ok: false, detail: 'no working outgoing server was found' };
  const login = s.auth === 'password' || s.auth === 'oauth2';
  if (login && !opts.credentials) return { ok: false, detail: `${s.host} needs a ${s.auth === 'oauth2' ? 'token' : 'password'} to send` };
  const probe = report.probes.find((p) => p.id === s.probe);
  const address = probe?.result.target.address;
  const result = await probes[s.security === 'tls' ? 'smtps' : 'smtp'](
    { host: address ?? s.host, port: s.port },
    {
      servername: s.host,
      starttls: s.security === 'starttls' ? 'required' : 'never',
      ...(login && opts.credentials ? { credentials: { ...opts.credentials, user: s.username ?? opts.credentials.user } } : {}),
      ...(opts.ca ? { ca: opts.ca } : {}),
      sendTest: { from: report.address, to },
    },
  );
  if (result.ok && result.sent) return { ok: true, detail: `${s.host}:${s.port} answered ${result.sent.code} ${result.sent.text}` };
  return { ok: false, detail: result.error ? `${result.error.code}: ${result.error.message}` : 'no reply' };
}
