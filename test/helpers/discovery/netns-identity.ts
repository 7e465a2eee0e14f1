/**
 * Run inside the test network namespace: prints {"identity": networkIdentity(), "fingerprint": networkFingerprint()}
 * as JSON, or only {"fingerprint"} with `--fingerprint-only`. No echo URL and no ISPDB: the only peer is the
 * namespace's own DNS server.
 */
import { networkFingerprint, networkIdentity } from '../../../src/network/index.js';

if (process.argv.includes('--fingerprint-only')) {
  process.stdout.write(`${JSON.stringify({ fingerprint: networkFingerprint() })}\n`);
} else {
  const identity = await networkIdentity({
    ispdbBaseUrl: false,
    timeoutMs: 5_000,
    dnsTimeouts: { attemptTimeoutMs: 500, queryTimeoutMs: 1_500, retries: 1 },
  });
  process.stdout.write(`${JSON.stringify({ identity, fingerprint: networkFingerprint() })}\n`);
}
