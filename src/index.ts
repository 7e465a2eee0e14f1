/**
 * maildoctor as a library: the probes, their registry and types, and the shared building blocks.
 * Everything here is a named export; nothing prints.
 */
export { probes, PROTOCOLS, isProtocol, probeSmtp, probeSmtps, probePop3, probePop3s, probeImap, probeImaps, probeTcp } from './probes/index.js';
export { ERROR_CODES, FINDING_CODES, isErrorCode, type ErrorCode, type FindingCode } from './lib/codes.js';
export { MaildoctorError, UsageError, isMaildoctorError } from './lib/errors.js';
export { DEFAULT_PHASE_TIMEOUTS, PROBE_TIMEOUT_MS, TLS_SNIFF_AFTER_MS } from './lib/probe.js';
export { DEFAULT_PORTS } from './lib/probe-input.js';
export { PathTimes } from './lib/dial.js';
export { LineSplitter, SmtpReplyAssembler, Pop3MultilineAssembler, parsePop3Status, parseImapLine, MAX_LINE_BYTES, MAX_REPLY_BYTES } from './lib/lines.js';
export type { SmtpReply, Pop3Status, ImapResponse } from './lib/lines.js';
export type {
  AuthOutcome,
  CertificateFacts,
  Credentials,
  MailboxOutcome,
  PhaseTimeouts,
  PhaseTiming,
  Probe,
  ProbeError,
  ProbeOptions,
  ProbeResult,
  ProbeTarget,
  ProbeWarning,
  Protocol,
  RelayOutcome,
  RelayTest,
  ReplyEvidence,
  Security,
  StartTlsPolicy,
  TlsFacts,
  TranscriptEntry,
} from './lib/types.js';

// Lookups (a session shared by discovery, network identity and the probes), discovery of an address's servers,
// and the network this machine is on.
export * from './lookup/index.js';
export * from './discovery/index.js';
export * from './network/index.js';

// The check and the pure report builder.
export { check, planProbes, DEFAULT_CONTROLS, DEFAULT_RELAY_RECIPIENT, CHECK_TIMEOUT_MS, CHECK_PROBE_TIMEOUT_MS, type CheckOptions, type CheckProgress } from './check/check.js';
export { buildReport, reportExitCode, RULES, recommend, evaluateSpf, spfTable, dmarcPolicy } from './report/index.js';
export type { SpfDnsAnswer, SpfEvaluation, SpfQuestion, SpfResult } from './report/spf.js';
export { renderReport, plainColors, type Colors, type RenderOptions } from './report/render-text.js';
export { clientConfigXml } from './report/client-config-xml.js';
export type { CheckFacts, CheckProbe, CheckReport, Finding, Recommendation, Setting, Severity, ProbePurpose } from './report/types.js';
export { REPORT_SCHEMA_VERSION } from './report/types.js';

// The agent: watches the network, re-checks, remembers per network, alerts (docs/agent.md).
export {
  startAgent,
  validateAgentConfig,
  loadAgentConfig,
  ConfigError,
  ManualClock,
  defaultStateDir,
  type AgentConfig,
  type AgentDeps,
  type AgentHandle,
  type Alert,
  type AccountSummary,
  type Clock,
} from './agent/index.js';

// The multi-target exporter: /probe?module=…&target=… for Prometheus (docs/exporter.md).
export {
  startExporter,
  validateExporterConfig,
  loadExporterConfig,
  moduleRuntimes,
  BUILTIN_MODULES,
  DEFAULT_EXPORTER_LISTEN,
  AllowList,
  parseAllowPattern,
  probeRegistry,
  renderProbeMetrics,
  validateWebConfig,
  loadWebConfig,
  BasicAuth,
  type ExporterConfig,
  type ExporterHandle,
  type ExporterModule,
  type ExporterOptions,
  type WebConfig,
} from './exporter/index.js';
