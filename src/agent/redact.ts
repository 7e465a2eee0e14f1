/** The agent scrubs its outputs with the library's Redactor (src/lib/redact.ts), which probes use too. */
export { Redactor, REDACTED } from '../lib/redact.js';
