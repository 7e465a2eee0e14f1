/**
 * Does a secret appear in some output, in any encoding a mail protocol or a report could give it: as is,
 * JSON-escaped, or inside any base64 run (a SASL PLAIN/LOGIN response, an OAUTHBEARER/XOAUTH2 initial response,
 * whatever its alignment). Returns what leaked, described without the secret.
 */
const BASE64_RUN = /[A-Za-z0-9+/]{12,}={0,2}/g;

export function leaksOf(output: string, secrets: readonly string[]): string[] {
  const found: string[] = [];
  const decoded = [...output.matchAll(BASE64_RUN)].map((m) => Buffer.from(m[0], 'base64').toString('latin1'));
  secrets.forEach((secret, i) => {
    if (!secret) return;
    if (output.includes(secret)) found.push(`secret #${i} as is`);
    else if (output.includes(JSON.stringify(secret).slice(1, -1))) found.push(`secret #${i} JSON-escaped`);
    else if (decoded.some((d) => d.includes(secret))) found.push(`secret #${i} inside base64`);
  });
  return found;
}
