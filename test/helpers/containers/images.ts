/**
 * Image names for the container test tier.
 *
 * The pins live in `fixtures/containers/images.env`, shared with
 * `scripts/containers/build-images.sh`; environment variables override them so
 * the same tests can run against images built elsewhere (or upstream ones).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Directory of the container fixtures (configuration copied into containers). */
export const FIXTURES_DIR = fileURLToPath(new URL('../../../fixtures/containers/', import.meta.url));

/** Parses the plain `KEY=VALUE` lines of images.env (comments and blanks skipped). */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw new Error(`images.env: not a KEY=VALUE line: ${JSON.stringify(raw)}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function pins(): Record<string, string> {
  return parseEnvFile(readFileSync(`${FIXTURES_DIR}images.env`, 'utf8'));
}

function required(values: Record<string, string>, key: string): string {
  const value = values[key];
  if (!value) throw new Error(`fixtures/containers/images.env does not set ${key}`);
  return value;
}

export interface ImageNames {
  /** IMAP/POP3 server image (`MAILDOCTOR_DOVECOT_IMAGE`, default `maildoctor-dovecot:<suite>`). */
  dovecot: string;
  /** MTA and submission image (`MAILDOCTOR_POSTFIX_IMAGE`, default `maildoctor-postfix:<suite>`). */
  postfix: string;
  /** Mailpit image (`MAILDOCTOR_MAILPIT_IMAGE`, default the pin in images.env). */
  mailpit: string;
}

/** Resolves the image names from the environment, falling back to the pins. */
export function imageNames(env: NodeJS.ProcessEnv = process.env): ImageNames {
  const p = pins();
  const suite = required(p, 'DEBIAN_SUITE');
  return {
    dovecot: env.MAILDOCTOR_DOVECOT_IMAGE || `maildoctor-dovecot:${suite}`,
    postfix: env.MAILDOCTOR_POSTFIX_IMAGE || `maildoctor-postfix:${suite}`,
    mailpit: env.MAILDOCTOR_MAILPIT_IMAGE || required(p, 'MAILPIT_IMAGE'),
  };
}
