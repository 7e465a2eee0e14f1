/**
 * Text snapshots under test/check/__snapshots__/<name>.txt. `UPDATE_SNAPSHOTS=1` rewrites them; a missing
 * snapshot is written on first run, except under CI (`CI` set), where it fails.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SNAPSHOT_DIR = fileURLToPath(new URL('../../check/__snapshots__/', import.meta.url));

/**
 * Replace what changes from run to run in a rendered report: the per-run test CA's name (it carries its
 * creation time), certificate dates (the test certificates are made relative to now), and — for text
 * rendered without `stable` — the check's duration and date, per-probe durations and "after N ms"; and the
 * timings findings quote as evidence ("N ms").
 */
export function normaliseReportText(text: string): string {
  return text
    .replace(/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z\b/g, '<time>')
    .replace(/valid until \d{4}-\d{2}-\d{2}/g, 'valid until <date>')
    .replace(/valid \d{4}-\d{2}-\d{2} to \d{4}-\d{2}-\d{2}/g, 'valid <date> to <date>')
    .replace(/expires in (\d+) days?, on \d{4}-\d{2}-\d{2}/g, 'expires in $1 days, on <date>')
    // A certificate made at run time for "expires in 5 days" carries the run's date in the explanation too.
    .replace(/(expires on|scade il)(\s+)\d{4}-\d{2}-\d{2}/g, '$1$2<date>')
    .replace(/^(maildoctor check \S+) \(\d+(?:\.\d+)? s, \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC\)$/m, '$1')
    .replace(/^( {2}[✓✗] .*) \d+ ms$/gm, '$1')
    .replace(/ after \d+ ms/g, '')
    // Timings a finding quotes as its evidence (a TLS stall's wait, a connect's round trip).
    .replace(/\b\d+ ms\b/g, '<n> ms')
    // The per-run test certificates' fingerprints, quoted by interception evidence.
    .replace(/SHA-256 [0-9A-F]{2}(?::[0-9A-F]{2})+…/g, 'SHA-256 <fingerprint>…');
}

export function matchSnapshot(name: string, actual: string): void {
  const file = join(SNAPSHOT_DIR, `${name}.txt`);
  if (process.env.UPDATE_SNAPSHOTS === '1' || (!existsSync(file) && !process.env.CI)) {
    mkdirSync(SNAPSHOT_DIR, { recursive: true });
    writeFileSync(file, actual);
    return;
  }
  assert.ok(existsSync(file), `no snapshot ${name} (run with UPDATE_SNAPSHOTS=1 to write it)`);
  assert.equal(actual, readFileSync(file, 'utf8'), `text report differs from snapshot ${name}.txt (UPDATE_SNAPSHOTS=1 rewrites it)`);
}
