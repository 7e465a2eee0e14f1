/**
 * Per-run test PKI, generated with the openssl CLI into a temp dir (removed at process exit):
 *
 * | kind         | issuer | names (SAN)                                              | validity               |
 * |--------------|--------|----------------------------------------------------------|------------------------|
 * | `valid`      | CA     | DNS:localhost, DNS:mail.test, IP:127.0.0.1 + extras      | now-1d .. now+30d      |
 * | `expired`    | CA     | same as valid                                            | now-60d .. now-30d     |
 * | `wrongName`  | CA     | DNS:other.invalid only                                   | now-1d .. now+30d      |
 * | `selfSigned` | itself | same as valid                                            | now-1d .. now+30d      |
 * | `expiresSoon`| CA     | same as valid                                            | now-25d .. now+5d+1h   |
 * | `chained`    | intermediate | same as valid; the file holds leaf + intermediate  | now-1d .. now+30d      |
 * | `chainIncomplete` | intermediate | the same leaf, without its intermediate        | now-1d .. now+30d      |
 *
 * The intermediate CA is signed by the CA; a client trusting only the CA verifies `chained` and finds no
 * issuer for `chainIncomplete` (the classic server that forgot to install its intermediate).
 *
 * The expired certificate is made with `openssl ca -startdate/-enddate` (OpenSSL 3.0's `x509 -req` has
 * no way to set notBefore, and faketime is not available). Only the expiry differs from `valid`, so a
 * probe that reports CERT_HAS_EXPIRED for it is reporting the right cause.
 *
 * Keys are EC P-256 (fast to generate). Everything is cached per process: one CA for the whole run, one
 * leaf set per distinct set of extra names.
 */
import { execFile } from 'node:child_process';
import { createPrivateKey, sign as signBytes, X509Certificate } from 'node:crypto';
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { isIP } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeRunDir } from './harness/daemon.js';

const run = promisify(execFile);

/** The names every server certificate (except `wrongName`) covers. */
export const DEFAULT_CERT_NAMES = ['localhost', 'mail.test'] as const;
export const DEFAULT_CERT_IPS = ['127.0.0.1'] as const;
/** The only name the `wrongName` certificate covers (RFC 6761: `.invalid` never resolves). */
export const WRONG_CERT_NAME = 'other.invalid';

const DAY_MS = 86_400_000;

export type CertificateKind = 'valid' | 'expired' | 'wrongName' | 'selfSigned' | 'expiresSoon' | 'chained' | 'chainIncomplete';

/** Days left on the `expiresSoon` certificate (plus an hour, so that `daysLeft` rounds down to this). */
export const EXPIRES_SOON_DAYS = 5;

export interface PemFiles {
  /** PEM text of the certificate. */
  cert: string;
  /** PEM text of the private key. */
  key: string;
  certFile: string;
  keyFile: string;
}

export interface TestCertificates {
  /** The CA that signed valid, expired and wrongName. Pass `ca.cert` as the `ca` option of node:tls. */
  ca: PemFiles;
  valid: PemFiles;
  expired: PemFiles;
  wrongName: PemFiles;
  selfSigned: PemFiles;
  expiresSoon: PemFiles;
  chained: PemFiles;
  chainIncomplete: PemFiles;
  /** The intermediate CA (signed by `ca`) that issued `chained` and `chainIncomplete`. */
  intermediate: PemFiles;
  /** DNS names and IPs in the SAN of valid/expired/selfSigned. */
  names: string[];
  ips: string[];
}

export interface CertificateOptions {
  /** Extra DNS names and/or IP addresses for valid/expired/selfSigned (added to the defaults). */
  extraNames?: string[];
}

function opensslTime(offsetMs: number): string {
  // YYYYMMDDHHMMSSZ, the GeneralizedTime form `openssl ca -startdate/-enddate` accepts.
  return new Date(Date.now() + offsetMs).toISOString().replace(/[-:T]/g, '').replace(/\.\d+Z$/, 'Z');
}

const CA_CONFIG = (dir: string) => `
[ ca ]
default_ca = harness_ca

[ harness_ca ]
database = ${dir}/index.txt
new_certs_dir = ${dir}/issued
serial = ${dir}/serial
default_md = sha256
policy = any_cn
unique_subject = no
email_in_dn = no
copy_extensions = none

[ any_cn ]
commonName = supplied
organizationName = optional

[ req ]
distinguished_name = req_dn
[ req_dn ]

[ ext_ca ]
basicConstraints = critical, CA:true
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ ext_intermediate ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`;

function leafExtensions(section: string, san: string): string {
  return `
[ ${section} ]
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = ${san}
`;
}

interface CaState { dir: string; config: string; ca: PemFiles; intermediate: PemFiles }

let caPromise: Promise<CaState> | undefined;
const leafSets = new Map<string, Promise<TestCertificates>>();
// `openssl ca` rewrites its index and serial files: one signing at a time.
let signingQueue: Promise<unknown> = Promise.resolve();

function serialized<T>(task: () => Promise<T>): Promise<T> {
  const next = signingQueue.then(task, task);
  signingQueue = next.catch(() => undefined);
  return next;
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run('openssl', args, { cwd });
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.trim() || e.message}`);
  }
}

async function newKeyAndCsr(dir: string, config: string, name: string, cn: string): Promise<string> {
  const keyFile = join(dir, `${name}.key`);
  await openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', keyFile], dir);
  await openssl(['req', '-new', '-config', config, '-key', keyFile, '-subj', `/O=maildoctor test/CN=${cn}`,
    '-out', join(dir, `${name}.csr`)], dir);
  return keyFile;
}

async function sign(state: { dir: string; config: string }, opts: {
  name: string; extFile?: string; extensions: string; startMs: number; endMs: number; selfSign?: boolean;
  /** The issuing CA's file prefix. @default 'ca' */
  issuer?: string;
}): Promise<void> {
  const { dir, config } = state;
  const args = ['ca', '-batch', '-notext', '-config', config,
    '-in', join(dir, `${opts.name}.csr`), '-out', join(dir, `${opts.name}.pem`),
    '-startdate', opensslTime(opts.startMs), '-enddate', opensslTime(opts.endMs),
    '-extensions', opts.extensions];
  if (opts.extFile) args.push('-extfile', opts.extFile);
  if (opts.selfSign) args.push('-selfsign', '-keyfile', join(dir, `${opts.name}.key`));
  else args.push('-cert', join(dir, `${opts.issuer ?? 'ca'}.pem`), '-keyfile', join(dir, `${opts.issuer ?? 'ca'}.key`));
  await serialized(() => openssl(args, dir));
}

async function pemFiles(dir: string, name: string): Promise<PemFiles> {
  const certFile = join(dir, `${name}.pem`);
  const keyFile = join(dir, `${name}.key`);
  const [cert, key] = await Promise.all([readFile(certFile, 'utf8'), readFile(keyFile, 'utf8')]);
  return { cert, key, certFile, keyFile };
}

async function createCa(): Promise<CaState> {
  const dir = makeRunDir('certs');
  const config = join(dir, 'openssl.cnf');
  await mkdir(join(dir, 'issued'));
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), `${Date.now().toString(16).toUpperCase().padStart(16, '0')}\n`);
  await writeFile(config, CA_CONFIG(dir));
  await newKeyAndCsr(dir, config, 'ca', `maildoctor test CA ${new Date().toISOString()}`);
  await sign({ dir, config }, { name: 'ca', extensions: 'ext_ca', startMs: -365 * DAY_MS, endMs: 365 * DAY_MS, selfSign: true });
  await newKeyAndCsr(dir, config, 'intermediate', 'maildoctor test intermediate CA');
  await sign({ dir, config }, { name: 'intermediate', extensions: 'ext_intermediate', startMs: -300 * DAY_MS, endMs: 300 * DAY_MS });
  return { dir, config, ca: await pemFiles(dir, 'ca'), intermediate: await pemFiles(dir, 'intermediate') };
}

async function createLeafSet(state: CaState, index: number, names: string[], ips: string[]): Promise<TestCertificates> {
  const { dir } = state;
  const p = (kind: string) => `set${index}-${kind}`;
  const san = [...names.map((n) => `DNS:${n}`), ...ips.map((ip) => `IP:${ip}`)].join(', ');
  const extFile = join(dir, `${p('ext')}.cnf`);
  await writeFile(extFile, leafExtensions('ext_leaf', san) + leafExtensions('ext_wrong', `DNS:${WRONG_CERT_NAME}`));
  const cn = names[0]!;
  await Promise.all([
    newKeyAndCsr(dir, state.config, p('valid'), cn),
    newKeyAndCsr(dir, state.config, p('expired'), cn),
    newKeyAndCsr(dir, state.config, p('wrongName'), WRONG_CERT_NAME),
    newKeyAndCsr(dir, state.config, p('selfSigned'), cn),
    newKeyAndCsr(dir, state.config, p('expiresSoon'), cn),
    newKeyAndCsr(dir, state.config, p('chainIncomplete'), cn),
  ]);
  const now = { startMs: -DAY_MS, endMs: 30 * DAY_MS };
  await sign(state, { name: p('valid'), extFile, extensions: 'ext_leaf', ...now });
  await sign(state, { name: p('expired'), extFile, extensions: 'ext_leaf', startMs: -60 * DAY_MS, endMs: -30 * DAY_MS });
  await sign(state, { name: p('wrongName'), extFile, extensions: 'ext_wrong', ...now });
  await sign(state, { name: p('selfSigned'), extFile, extensions: 'ext_leaf', ...now, selfSign: true });
  await sign(state, { name: p('expiresSoon'), extFile, extensions: 'ext_leaf', startMs: -25 * DAY_MS, endMs: EXPIRES_SOON_DAYS * DAY_MS + 3_600_000 });
  await sign(state, { name: p('chainIncomplete'), extFile, extensions: 'ext_leaf', ...now, issuer: 'intermediate' });
  // `chained` is the same leaf and key, its file followed by the intermediate (what a server should send).
  const leafPem = await readFile(join(dir, `${p('chainIncomplete')}.pem`), 'utf8');
  await writeFile(join(dir, `${p('chained')}.pem`), leafPem + state.intermediate.cert);
  await writeFile(join(dir, `${p('chained')}.key`), await readFile(join(dir, `${p('chainIncomplete')}.key`), 'utf8'));
  const [valid, expired, wrongName, selfSigned, expiresSoon, chained, chainIncomplete] = await Promise.all(
    ['valid', 'expired', 'wrongName', 'selfSigned', 'expiresSoon', 'chained', 'chainIncomplete'].map((k) => pemFiles(dir, p(k))),
  );
  return {
    ca: state.ca, intermediate: state.intermediate, valid: valid!, expired: expired!, wrongName: wrongName!, selfSigned: selfSigned!,
    expiresSoon: expiresSoon!, chained: chained!, chainIncomplete: chainIncomplete!, names, ips,
  };
}

/**
 * The run's test certificates (generated on first use, then cached for the process).
 * `extraNames` may mix DNS names and IP addresses.
 */
export function testCertificates(options: CertificateOptions = {}): Promise<TestCertificates> {
  const extra = options.extraNames ?? [];
  const names = [...new Set([...DEFAULT_CERT_NAMES, ...extra.filter((n) => !isIP(n))])];
  const ips = [...new Set([...DEFAULT_CERT_IPS, ...extra.filter((n) => isIP(n))])];
  const key = JSON.stringify([names, ips]);
  let set = leafSets.get(key);
  if (!set) {
    if (!caPromise) {
      caPromise = createCa();
      caPromise.catch(() => { caPromise = undefined; });
    }
    const index = leafSets.size;
    set = caPromise.then((state) => createLeafSet(state, index, names, ips));
    // A failed generation should not poison the cache for the next caller.
    set.catch(() => leafSets.delete(key));
    leafSets.set(key, set);
  }
  return set;
}

/** Certificate and key files of one kind, or the caller's own files. */
export async function resolveCertificate(
  choice: CertificateKind | { certFile: string; keyFile: string } | undefined,
  extraNames: string[],
): Promise<{ certFile: string; keyFile: string }> {
  if (choice && typeof choice === 'object') return choice;
  const set = await testCertificates({ extraNames });
  return set[choice ?? 'valid'];
}

/** The CA and the `valid` leaf as PEM text: the shape HTTPS test servers and their clients take. */
export interface TestPki {
  caPem: string;
  certPem: string;
  keyPem: string;
}

/** The run's CA and a `valid` leaf that also covers `extraNames` (DNS names and/or IPs). */
export async function testPki(extraNames: string[]): Promise<TestPki> {
  const set = await testCertificates({ extraNames });
  return { caPem: set.ca.cert, certPem: set.valid.cert, keyPem: set.valid.key };
}

// ---------------------------------------------------------------------------------------------------------------
/*
 * A certificate whose validity dates are not dates (issue 9): a copy of a test certificate with its notAfter
 * bytes replaced, re-signed by the CA that issued it, so the only fault is the date. No tool makes one on
 * purpose (openssl refuses an invalid -enddate); home-made certificate code that formats the month wrongly
 * does, and a hostile server may send any bytes. Written independently of the code under test (src/lib/tls.ts
 * reads dates its own way).
 */

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
  const signature = signBytes('sha256', newTbs, createPrivateKey(issuer.key));
  const out = encode(0x30, Buffer.concat([newTbs, der.subarray(algorithm.at, algorithm.end), encode(0x03, Buffer.concat([Buffer.from([0]), signature]))]));
  const pem = toPem(out);
  new X509Certificate(pem); // still a certificate Node parses: only its date is wrong
  return { cert: pem, key: pair.key };
}
