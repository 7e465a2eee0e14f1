/**
 * Discovery: which servers an address should use. Nothing here probes a mail server; probes (src/probes) take
 * the candidates from here.
 *
 * - `discover(address, options | session)` — MX, SRV (RFC 6186/8314), SPF/DMARC/MTA-STS, autoconfig, ISPDB and
 *   host guesses in parallel under one deadline; candidate servers per role with provenance, and where sources
 *   disagree.
 * - `parseAddress` and the typed MX/SRV/TXT lookups are exported for other parts (and tests) that need them.
 *
 * Failures are data (catalogue codes in `error.code`); only caller mistakes throw (`UsageError`).
 */
export { discover, DISCOVERY_TIMEOUT_MS } from './discover.js';
export { parseAddress, registrableDomain } from './address.js';
export { lookupMx, lookupSrv, lookupTxt, SRV_SERVICES } from './dns-lookups.js';
export { parseClientConfig } from './client-config.js';
export { STANDARD_ENDPOINTS, GUESS_PREFIXES } from './guesses.js';
export type {
  AutoconfigFacts,
  ClientConfig,
  ClientConfigServer,
  Disagreement,
  DiscoverOptions,
  DiscoveryResult,
  GuessFacts,
  MailRole,
  MxFacts,
  MxRecord,
  ParsedAddress,
  Provenance,
  ServerCandidate,
  SourceState,
  SourceStatus,
  SrvFacts,
  SrvRecord,
  SrvService,
  TxtFacts,
} from './types.js';
