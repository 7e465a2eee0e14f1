/**
 * Which language the reader reads, decided without loading a catalogue: the CLI asks this on every run, and
 * a run that prints nothing localised (an English probe, the exporter) should not pay for intl-messageformat.
 */
import { LANGS, type Lang } from './types.js';

export function isLang(value: string): value is Lang {
  return (LANGS as readonly string[]).includes(value);
}

/**
 * The language of the user's locale, POSIX order (LC_ALL, then LC_MESSAGES, then LANG): `it_IT.UTF-8` → `it`.
 * Anything that is not Italian (C, POSIX, unset, a language without a catalogue) is English.
 */
export function langFromEnv(env: NodeJS.ProcessEnv): Lang {
  const locale = [env.LC_ALL, env.LC_MESSAGES, env.LANG].find((v) => v !== undefined && v !== '') ?? '';
  const code = locale.split(/[_.@-]/)[0]!.toLowerCase();
  return isLang(code) ? code : 'en';
}
