/**
 * commander's own errors in the reader's language. commander says them in English only, with a stable code
 * (`commander.unknownOption`…) and a sentence built from the option, argument or command at fault; this reads
 * those back out of the sentence and names the catalogue's `usage.commander.*` message for the code. A sentence
 * this does not recognise (a commander release that words it differently) stays commander's English: a
 * message is never lost, and test/cli/commander-i18n.test.ts fails on the built CLI when that happens.
 */
import type { CommanderError } from 'commander';
import { UsageError } from '../lib/errors.js';
import type { MessageParams } from '../i18n/types.js';

interface Pattern {
  re: RegExp;
  msg: string;
  params: (m: RegExpExecArray) => MessageParams;
}

/** commander 14's sentences (lib/command.js, lib/option.js), without its `error: ` prefix. */
const PATTERNS: Record<string, Pattern> = {
  'commander.unknownOption': { re: /^unknown option ('[^']*')$/, msg: 'usage.commander.unknownOption', params: (m) => ({ option: m[1]! }) },
  'commander.unknownCommand': { re: /^unknown command ('[^']*')$/, msg: 'usage.commander.unknownCommand', params: (m) => ({ command: m[1]! }) },
  'commander.missingArgument': { re: /^missing required argument ('[^']*')$/, msg: 'usage.commander.missingArgument', params: (m) => ({ name: m[1]! }) },
  'commander.optionMissingArgument': { re: /^option ('[^']*') argument missing$/, msg: 'usage.commander.optionMissingArgument', params: (m) => ({ option: m[1]! }) },
  'commander.excessArguments': {
    re: /^too many arguments for ('[^']*')\. Expected (\d+) arguments? but got (\d+)\.$/,
    msg: 'usage.commander.excessArguments',
    params: (m) => ({ command: m[1]!, expected: Number(m[2]), got: Number(m[3]) }),
  },
  'commander.invalidArgument': {
    re: /^option ('[^']*') argument ('.*') is invalid\. Allowed choices are (.*)\.$/,
    msg: 'usage.commander.invalidChoice',
    params: (m) => ({ option: m[1]!, value: m[2]!, choices: m[3]! }),
  },
};

/** commander's "(Did you mean --json?)" / "(Did you mean one of a, b?)" on the line after the error. */
const SUGGESTION = /\n\(Did you mean (?:one of )?(.*)\?\)$/;

/**
 * A commander error as a usage error with its catalogue message (the English sentence stays in `message`), or
 * undefined for help and version, which are not errors to the user.
 */
export function commanderUsageError(err: CommanderError): UsageError | undefined {
  if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return undefined;
  let text = err.message.replace(/^error: /, '');
  const suggested = SUGGESTION.exec(text);
  if (suggested) text = text.slice(0, suggested.index);
  const english = suggested ? `${text} ${suggested[0].slice(1).replace('(Did', '(did')}` : text;
  const pattern = PATTERNS[err.code];
  const m = pattern?.re.exec(text);
  // no catalogue message: a sentence of commander's this file does not know stays commander's English.
  if (!pattern || !m) return new UsageError(english);
  const main = { msg: pattern.msg, params: pattern.params(m) };
  if (!suggested) return new UsageError(english, main);
  const list = suggested[1]!;
  const suggestion = { msg: 'usage.commander.didYouMean', params: { count: list.split(', ').length, list } };
  return new UsageError(english, { msg: 'usage.withSuggestion', params: { error: main, suggestion } });
}
