/**
 * A certificate whose validity dates are not dates (issue 9): a copy of a test certificate with its notAfter
 * bytes replaced, re-signed by the CA that issued it, so the only fault is the date. No tool makes one on
 * purpose (openssl refuses an invalid -enddate); home-made certificate code that formats the month wrongly
 * does, and a hostile server may send any bytes. Written independently of the code under test (src/lib/tls.ts
 * reads dates its own way).
 */
import { createPrivateKey, sign, X509Certificate } from 'node:crypto';
import type { PemFiles } from './certs.js';

interface Tlv {
  tag: number;
  /** Offset of the tag byte. */
  at: number;
  /** Offset of the content. */
  start: number;
  end: number;
}

function tlv(der: Buffer, at: number): Tlv {
  const tag = der[at]!;
  let len = der[at + 1]!;
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i]!;
    start += n;
  }
  return { tag, at, start, end: start + len };
}

function encode(tag: number, content: Buffer): Buffer {
  const n = content.length;
  const len = n < 0x80 ? Buffer.from([n]) : n < 0x100 ? Buffer.from([0x81, n]) : Buffer.from([0x82, n >> 8, n & 0xff]);
  return Buffer.concat([Buffer.from([tag]), len, content]);
}

const pemBody = (pem: string): Buffer => Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ''), 'base64');
const toPem = (der: Buffer): string => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;

/**
 * `pair`'s certificate with notAfter's text replaced by `notAfter` (latin-1 bytes, the same length as the one
 * it replaces: 13 for the UTCTime of a test certificate), re-signed with `issuer`'s key (SHA-256).
 */
export function withNotAfter(pair: Pick<PemFiles, 'cert' | 'key'>, issuer: Pick<PemFiles, 'key'>, notAfter: string): { cert: string; key: string } {
  const der = pemBody(pair.cert);
  const certificate = tlv(der, 0);
  const tbs = tlv(der, certificate.start);
  let field = tlv(der, tbs.start);
  if (field.tag === 0xa0) field = tlv(der, field.end); // [0] version
  for (let i = 0; i < 3; i++) field = tlv(der, field.end); // serialNumber, signature, issuer
  const validity = field;
  const before = tlv(der, validity.start);
  const after = tlv(der, before.end);
  const bytes = Buffer.from(notAfter, 'latin1');
  if (bytes.length !== after.end - after.start) throw new Error(`notAfter must be ${after.end - after.start} bytes, not ${bytes.length}`);
  const newTbs = Buffer.from(der.subarray(tbs.at, tbs.end));
  bytes.copy(newTbs, after.start - tbs.at);
  const algorithm = tlv(der, tbs.end);
  const signature = sign('sha256', newTbs, createPrivateKey(issuer.key));
  const out = encode(0x30, Buffer.concat([newTbs, der.subarray(algorithm.at, algorithm.end), encode(0x03, Buffer.concat([Buffer.from([0]), signature]))]));
  const pem = toPem(out);
  new X509Certificate(pem); // still a certificate Node parses: only its date is wrong
  return { cert: pem, key: pair.key };
}
