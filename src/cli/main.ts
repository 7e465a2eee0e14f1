import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import { isConfigError } from '../lib/checker.js';
import { isMaildoctorError, isUsageError, UsageError } from '../lib/errors.js';
import { isLang, langFromEnv } from '../i18n/lang.js';
import type { TextId } from '../i18n/en/text.js';
import type { Lang, MessageParams } from '../i18n/types.js';
import type { Translator } from '../i18n/index.js';
import { commanderUsageError } from './commander-i18n.js';
import { EXIT, SIGNAL_EXIT } from '../lib/exit-codes.js';
import { PROTOCOLS } from '../probes/index.js';
import { interruptible, parsePositiveInt, processIo, type Io } from './io.js';
import type { CheckCommandOptions } from './check.js';
import type { ProbeCommandOptions } from './probe.js';
import type { DiscoverCommandOptions, NetworkCommandOptions } from './discover.js';
import type { AgentCommandOptions } from './agent.js';
import type { ExporterCommandOptions } from './exporter.js';
import { DEFAULT_EXPORTER_LISTEN } from '../exporter/defaults.js';
import { DEFAULT_CONTROLS, DEFAULT_DNSBLS, DEFAULT_RELAY_RECIPIENT, PASSWORD_ENV } from '../check/defaults.js';

// commander's ESM entry wraps its CommonJS one, which Node then scans for export names (cjs-module-lexer):
// ~10 ms of every command's start-up that require() does not cost (issue 13).
const { Command, CommanderError, Help, Option } = createRequire(import.meta.url)('commander') as typeof Commander;

/**
 * What every --help ends with: the exit codes, the password rule, then 2-3 real examples. check, discover,
 * network and probe stop on a signal; the agent stops cleanly instead (its help says so). In the reader's
 * language; the English meanings of the exit codes are EXIT_MEANINGS (test/i18n/catalogue.test.ts).
 */
function helpAfter(h: HelpText, examples: string[], interruptible = true, note?: TextId): string {
  const signals: readonly number[] = Object.values(SIGNAL_EXIT);
  const codes = Object.values(EXIT).filter((code) => interruptible || !signals.includes(code));
  return `
${h('help.exitCodes')}
${codes.map((code) => `  ${String(code).padEnd(3)} ${h(`help.exit.${code}` as TextId)}`).join('\n')}

${h('help.secrets')}${note ? `\n\n${h(note)}` : ''}

${h('help.examples')}
${examples.map((e) => `  $ ${e}`).join('\n')}`;
}

/** A text of --help, from the catalogue in the reader's language. */
type HelpText = (id: TextId, params?: MessageParams) => string;

/**
 * Whether this run may show a help text: only then does an English run load the catalogues (a mistake loads
 * them later, for its message alone). commander shows help for -h/--help, `help [command]`, and no command.
 */
function mayShowHelp(argv: string[]): boolean {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  return args.length === 0 || args[0] === 'help' || args.some((a) => a === '-h' || a === '--help');
}

/**
 * Commands are imported when they run, so that `maildoctor check` does not load the agent's logging and
 * metrics libraries (start-up time is part of every check).
 *
 * The CLI: argv parsed once, commands return an exit code or throw, and this is the one place that maps
 * errors to exit codes (changesets' shape). It never calls process.exit.
 */
export async function run(argv: string[], processIo_: Io = processIo()): Promise<number> {
  const lang = readerLang(argv, processIo_.env);
  const io: Io = { ...processIo_, lang };
  // The words of help come from the catalogue; a run that shows no help and speaks English does not load it.
  const t: Translator | undefined = lang === 'en' && !mayShowHelp(argv) ? undefined : (await import('../i18n/index.js')).translator(lang);
  // Without the catalogue no help is shown: the id stands in for the text nobody reads.
  const h: HelpText = (id, params) => (t ? t.text(id, params) : id);
  const titles: Record<string, string> = t
    ? { 'Usage:': t.text('help.usage'), 'Options:': t.text('help.options'), 'Commands:': t.text('help.commands'), 'Arguments:': t.text('help.arguments'), 'Global Options:': t.text('help.globalOptions') }
    : {};
  let exitCode: number = EXIT.OK;
  const program = new Command('maildoctor')
    .description(h('help.program'))
    .version(await version(), '-V, --version', h('help.version'))
    .addHelpText('after', helpAfter(h, ['maildoctor check you@example.com', 'maildoctor probe smtp smtp.example.com:587', 'maildoctor discover you@example.com --json']))
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander's errors are printed by exitCodeFor, in the reader's language, with the one prefix.
      outputError: () => undefined,
    })
    .configureHelp({
      styleTitle: (title) => titles[title] ?? title,
      // commander adds "(choices: …)" in English; the values are literal, the word is the reader's.
      optionDescription(option) {
        const text = Help.prototype.optionDescription.call(this, option);
        return t && lang !== 'en' ? text.replace('(choices: ', `(${t.text('help.choices')}: `) : text;
      },
    })
    .showSuggestionAfterError(true);
  program.helpOption('-h, --help', h('help.help')).helpCommand('help [command]', h('help.help'));

  program
    .command('check')
    .description(h('help.check'))
    .argument('[address]', h('help.check.address'))
    .option('--user <name>', h('help.opt.user.check', { env: PASSWORD_ENV }))
    .option('--password-env <VAR>', h('help.opt.passwordEnv.check', { env: PASSWORD_ENV }))
    .option('--thunderbird-profile [dir]', h('help.opt.thunderbirdProfile'))
    .option('--password-stdin', h('help.opt.passwordStdin'))
    .option('--oauth-token-env <VAR>', h('help.opt.oauthTokenEnv'))
    .option('--oauth-token-file <file>', h('help.opt.oauthTokenFile'))
    .option('--allow-plaintext-auth', h('help.opt.allowPlaintextAuth'))
    .option('--dns <host[:port]>', h('help.opt.dns'), collect)
    .option('--ca <file>', h('help.opt.ca'))
    .option('--relay-rcpt <address>', h('help.opt.relayRcpt', { recipient: DEFAULT_RELAY_RECIPIENT }))
    .option('--control <host[:port]>', h('help.opt.control', { controls: DEFAULT_CONTROLS.join(', ') }), collect)
    .option('--no-controls', h('help.opt.noControls'))
    .option('--echo-url <url>', h('help.opt.echoUrl'))
    .option('--ispdb <url>', h('help.opt.ispdb'))
    .option('--no-ispdb', h('help.opt.noIspdb'))
    .option('--dnsbl', h('help.opt.dnsbl', { lists: DEFAULT_DNSBLS.join(', ') }))
    .option('--no-dnsbl', h('help.opt.noDnsbl'))
    .option('--timeout <ms>', h('help.opt.timeout.check'))
    .option('--autoconfig <file>', h('help.opt.autoconfig'))
    .option('--html <file>', h('help.opt.html'))
    .option('--send-test <to>', h('help.opt.sendTest'))
    .option('--json', h('help.opt.json.check'))
    .option('--verbose', h('help.opt.verbose'))
    .option('--no-progress', h('help.opt.noProgress'))
    .addHelpText('after', helpAfter(h, ['maildoctor check you@example.com', 'maildoctor check you@example.com --user you@example.com --password-env MAIL_PW --autoconfig settings.xml', 'LANG=it_IT.UTF-8 maildoctor check --thunderbird-profile --html report.html']))
    .action(async (address: string | undefined, opts: CheckCommandOptions) => {
      exitCode = await interruptible(io, async (cio) => (await import('./check.js')).checkCommand(address, opts, cio));
    });

  program
    .command('discover')
    .description(h('help.discover'))
    .argument('<address>', h('help.discover.address'))
    .option('--dns <host[:port]>', h('help.opt.dns'), collect)
    .option('--ca <file>', h('help.opt.ca.discover'))
    .option('--ispdb <url>', h('help.opt.ispdb'))
    .option('--no-ispdb', h('help.opt.noIspdb'))
    .option('--timeout <ms>', h('help.opt.timeout.discover'), (v) => parsePositiveInt('--timeout', v))
    .option('--json', h('help.opt.json'))
    .addHelpText('after', helpAfter(h, ['maildoctor discover you@example.com', 'maildoctor discover you@example.com --dns 192.0.2.53 --json']))
    .action(async (address: string, opts: DiscoverCommandOptions) => {
      exitCode = await interruptible(io, async (cio) => (await import('./discover.js')).discoverCommand(address, opts, cio));
    });

  program
    .command('network')
    .description(h('help.network'))
    .option('--dns <host[:port]>', h('help.opt.dns'), collect)
    .option('--echo-url <url>', h('help.opt.echoUrl'))
    .option('--ispdb <url>', h('help.opt.ispdb.network'))
    .option('--no-ispdb', h('help.opt.noIspdb'))
    .option('--timeout <ms>', h('help.opt.timeout'), (v) => parsePositiveInt('--timeout', v))
    .option('--json', h('help.opt.json'))
    .addHelpText('after', helpAfter(h, ['maildoctor network', 'maildoctor network --json']))
    .action(async (opts: NetworkCommandOptions) => {
      exitCode = await interruptible(io, async (cio) => (await import('./discover.js')).networkCommand(opts, cio));
    });

  program
    .command('probe')
    .description(h('help.probe'))
    .argument('<protocol>', h('help.probe.protocol', { protocols: PROTOCOLS.join(', ') }))
    .argument('<host[:port]>', h('help.probe.hostPort'))
    .option('--user <name>', h('help.opt.user.probe', { env: PASSWORD_ENV }))
    .option('--password-env <VAR>', h('help.opt.passwordEnv'))
    .option('--password-stdin', h('help.opt.passwordStdin'))
    .option('--oauth-token-env <VAR>', h('help.opt.oauthTokenEnv'))
    .option('--oauth-token-file <file>', h('help.opt.oauthTokenFile'))
    .option('--allow-plaintext-auth', h('help.opt.allowPlaintextAuth'))
    .addOption(new Option('--relay-test <addresses...>', h('help.opt.relayTest')).argParser(collectTwo))
    .addOption(new Option('--starttls <policy>', h('help.opt.starttls')).choices(['required', 'optional', 'never']))
    .option('--ca <file>', h('help.opt.ca'))
    .option('--servername <name>', h('help.opt.servername'))
    .option('--local-address <address>', h('help.opt.localAddress'))
    .option('--timeout <ms>', h('help.opt.timeout.probe'))
    .option('--json', h('help.opt.json.probe'))
    .addHelpText('after', helpAfter(h, ['maildoctor probe smtp smtp.example.com:587', 'maildoctor probe imaps imap.example.com --user you --password-env MAIL_PW', 'maildoctor probe smtp mx.example.com --relay-test you@example.com someone@example.org']))
    .action(async (protocol: string, hostPort: string, opts: ProbeCommandOptions) => {
      exitCode = await interruptible(io, async (cio) => (await import('./probe.js')).probeCommand(protocol, hostPort, opts, cio));
    });

  program
    .command('agent')
    .description(h('help.agent'))
    .option('--config <file>', h('help.opt.config.agent'))
    .addHelpText('after', helpAfter(h, ['maildoctor agent', 'maildoctor agent --config ./agent.json'], false, 'help.agent.signals'))
    .action(async (opts: AgentCommandOptions) => {
      // commander gives a --lang anywhere on the line to the program's option, so the agent reads both.
      const lang = opts.lang ?? (program.opts() as { lang?: AgentCommandOptions['lang'] }).lang;
      exitCode = await (await import('./agent.js')).agentCommand({ ...opts, ...(lang ? { lang } : {}) }, io);
    });

  program
    .command('exporter')
    .description(h('help.exporter'))
    .option('--listen <host:port>', h('help.opt.listen', { listen: DEFAULT_EXPORTER_LISTEN }))
    .option('--config <file>', h('help.opt.config.exporter'))
    .option('--allow <pattern>', h('help.opt.allow'), collect)
    .option('--web-config <file>', h('help.opt.webConfig'))
    .option('--ca <file>', h('help.opt.ca.exporter'))
    .addOption(new Option('--log-level <level>', h('help.opt.logLevel')).choices(['error', 'warn', 'info', 'debug']))
    .addOption(new Option('--log-format <format>', h('help.opt.logFormat')).choices(['text', 'json']))
    .addHelpText('after', helpAfter(h, ['maildoctor exporter --allow mail.example.com', 'maildoctor exporter --config exporter.yml --listen 127.0.0.1:9878'], false, 'help.exporter.signals'))
    .action(async (opts: ExporterCommandOptions) => {
      exitCode = await (await import('./exporter.js')).exporterCommand(opts, io);
    });

  // Every command takes --lang (a usage error of any command is said in it), before the command's name too
  // (`maildoctor --lang it check …`); readerLang read it already.
  for (const command of [program, ...program.commands]) {
    command.addOption(new Option('--lang <lang>', h('help.opt.lang', { what: command.name() === 'check' ? 'report' : 'messages' })).argParser(parseLang));
  }

  try {
    await program.parseAsync(argv, { from: 'user' });
    return exitCode;
  } catch (err) {
    return exitCodeFor(await inReadersLanguage(err, lang), io);
  }
}

/**
 * The reader's language, decided once for the whole run: a valid `--lang` anywhere on the command line (commander
 * has not parsed it yet when its own errors need words), else LC_ALL, LC_MESSAGES, LANG. An invalid `--lang` is
 * refused by `parseLang`, in the locale's language.
 */
function readerLang(argv: string[], env: NodeJS.ProcessEnv): Lang {
  const end = argv.indexOf('--');
  const args = end < 0 ? argv : argv.slice(0, end);
  const i = args.findLastIndex((a) => a === '--lang' || a.startsWith('--lang='));
  const flag = i < 0 ? undefined : args[i]!.includes('=') ? args[i]!.slice('--lang='.length) : args[i + 1];
  return flag !== undefined && isLang(flag) ? flag : langFromEnv(env);
}

function parseLang(value: string): Lang {
  if (!isLang(value)) throw new UsageError(`--lang: ${JSON.stringify(value)} is not a language of maildoctor (en, it)`, { msg: 'usage.badLang', params: { value: JSON.stringify(value) } });
  return value;
}

/** The one place errors become exit codes. */
export function exitCodeFor(err: unknown, io: Io): number {
  if (err instanceof CommanderError) {
    // Help and version are "errors" to commander; their text is already printed.
    const usage = commanderUsageError(err);
    if (!usage) return EXIT.OK;
    err = usage;
  }
  if (isUsageError(err)) {
    io.stderr.write(`maildoctor: ${err.message}\n`);
    return EXIT.USAGE;
  }
  if (isMaildoctorError(err)) {
    io.stderr.write(`maildoctor: ${err.code}: ${err.message}\n`);
    return EXIT.PROBLEMS;
  }
  io.stderr.write(`maildoctor: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
  return EXIT.INTERNAL;
}

/** A repeatable option: each occurrence adds one value (never variadic: it would swallow the address). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * A usage error (commander's own included) that carries its catalogue message, in the reader's language. The
 * catalogues load only then: a run without a mistake does not pay for them here.
 */
async function inReadersLanguage(err: unknown, lang: Lang): Promise<unknown> {
  const usage = err instanceof CommanderError ? (commanderUsageError(err) ?? err) : err;
  if (!isUsageError(usage) || !usage.msg) return usage;
  const { translator } = await import('../i18n/index.js');
  const t = translator(lang);
  // A config file's issues, one a line, each with its field path (issue 14).
  if (isConfigError(usage)) return new UsageError(usage.render((ref) => t.text(ref.msg as never, ref.params ?? {})), usage.msg);
  return new UsageError(t.text(usage.msg.msg as never, usage.msg.params ?? {}), usage.msg);
}

function collectTwo(value: string, previous: string[] | undefined): string[] {
  const list = [...(previous ?? []), value];
  if (list.length > 2) throw new UsageError('--relay-test takes exactly two addresses: FROM TO', { msg: 'usage.relayTestTwo' });
  return list;
}

async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const pkg = JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
