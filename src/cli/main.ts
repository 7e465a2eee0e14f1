import { createRequire } from 'node:module';
import type * as Commander from 'commander';
import { isMaildoctorError, isUsageError, UsageError } from '../lib/errors.js';
import { isLang, langFromEnv } from '../i18n/lang.js';
import type { Lang } from '../i18n/types.js';
import { commanderUsageError } from './commander-i18n.js';
import { EXIT, EXIT_MEANINGS, SIGNAL_EXIT } from '../lib/exit-codes.js';
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
const { Command, CommanderError, Option } = createRequire(import.meta.url)('commander') as typeof Commander;

/**
 * What every --help ends with: the exit codes, the password rule, then 2-3 real examples. check, discover,
 * network and probe stop on a signal; the agent stops cleanly instead (its help says so).
 */
function helpAfter(examples: string[], interruptible = true, note?: string): string {
  const signals: readonly number[] = Object.values(SIGNAL_EXIT);
  const codes = Object.values(EXIT).filter((code) => interruptible || !signals.includes(code));
  return `
Exit codes:
${codes.map((code) => `  ${String(code).padEnd(3)} ${EXIT_MEANINGS[code]}`).join('\n')}

Passwords and OAuth2 tokens are never taken from the command line: use --password-env VAR, --password-stdin,
--oauth-token-env VAR or --oauth-token-file FILE (docs/oauth2.md says how to get a token).${note ? `\n\n${note}` : ''}

Examples:
${examples.map((e) => `  $ ${e}`).join('\n')}`;
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
  // English words are commander's and this file's own; another language loads its catalogue (only then).
  const t = lang === 'en' ? undefined : (await import('../i18n/index.js')).translator(lang);
  const titles: Record<string, string> = t
    ? { 'Usage:': t.text('help.usage'), 'Options:': t.text('help.options'), 'Commands:': t.text('help.commands'), 'Arguments:': t.text('help.arguments'), 'Global Options:': t.text('help.globalOptions') }
    : {};
  let exitCode: number = EXIT.OK;
  const program = new Command('maildoctor')
    .description('Tells why your email will not send (or receive) from this network, with evidence, and what settings work.')
    .version(await version(), '-V, --version', t?.text('help.version'))
    .addHelpText('after', helpAfter(['maildoctor check you@example.com', 'maildoctor probe smtp smtp.example.com:587', 'maildoctor discover you@example.com --json']))
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
      // commander's errors are printed by exitCodeFor, in the reader's language, with the one prefix.
      outputError: () => undefined,
    })
    .configureHelp({ styleTitle: (title) => titles[title] ?? title })
    .showSuggestionAfterError(true);
  if (t) program.helpOption('-h, --help', t.text('help.help')).helpCommand('help [command]', t.text('help.help'));

  program
    .command('check')
    .description('diagnose sending and receiving for an address from this network, and say what settings work')
    .argument('[address]', 'the e-mail address, user@domain (with --thunderbird-profile: default every address of the profile)')
    .option('--user <name>', `log in as this user; the password comes from ${PASSWORD_ENV}, --password-env, --password-stdin or a prompt`)
    .option('--password-env <VAR>', `read the password from this environment variable (default ${PASSWORD_ENV})`)
    .option('--thunderbird-profile [dir]', 'also try the servers this Thunderbird profile is set up with, exactly as configured (default: your default profile; read, never written)')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--oauth-token-env <VAR>', 'log in with an OAuth2 access token (OAUTHBEARER/XOAUTH2) from this environment variable')
    .option('--oauth-token-file <file>', 'log in with the OAuth2 access token on the first line of this file')
    .option('--allow-plaintext-auth', 'allow sending the password over an unencrypted connection')
    .option('--dns <host[:port]>', 'DNS resolver to use instead of the system’s (repeat for more)', collect)
    .option('--ca <file>', 'extra trusted CA certificates (PEM)')
    .option('--relay-rcpt <address>', `external recipient of the relay test (default ${DEFAULT_RELAY_RECIPIENT}); nothing is ever sent to it`)
    .option('--control <host[:port]>', `control endpoint that tells a network block from a server problem (repeat for more; default: ${DEFAULT_CONTROLS.join(', ')})`, collect)
    .option('--no-controls', 'do not connect to control endpoints')
    .option('--echo-url <url>', 'HTTPS URL that answers with your public address (off by default: it tells a third party your address)')
    .option('--ispdb <url>', 'base URL of the ISP settings database')
    .option('--no-ispdb', 'do not ask the ISP settings database')
    .option('--dnsbl', `always look up your public address in DNS blocklists (${DEFAULT_DNSBLS.join(', ')}); by default only when a server refuses you on port 25. It tells your resolver and the lists your address`)
    .option('--no-dnsbl', 'never look up your public address in DNS blocklists')
    .option('--timeout <ms>', 'overall deadline of the check in milliseconds (default 45000)')
    .option('--autoconfig <file>', 'write the recommended settings as a Thunderbird clientConfig v1.1 XML file (only when both incoming and outgoing have one; otherwise exit 1)')
    .option('--html <file>', 'also write the report as one self-contained HTML page (no external request, no secret)')
    .option('--send-test <to>', 'after the check, send ONE real test message to this address through the recommended server')
    .option('--json', 'print the report as JSON (schema: docs/check-report.md)')
    .option('--verbose', 'show the evidence of each finding (the servers’ deciding replies)')
    .option('--no-progress', 'no live progress line on the terminal')
    .addHelpText('after', helpAfter(['maildoctor check you@example.com', 'maildoctor check you@example.com --user you@example.com --password-env MAIL_PW --autoconfig settings.xml', 'LANG=it_IT.UTF-8 maildoctor check --thunderbird-profile --html report.html']))
    .action(async (address: string | undefined, opts: CheckCommandOptions) => {
      exitCode = await interruptible(io, async (cio) => (await import('./check.js')).checkCommand(address, opts, cio));
    });

  program
    .command('discover')
    .description('find the servers of an address (MX, SRV, autoconfig, ISP database, host names) without probing them')
    .argument('<address>', 'the e-mail address, user@domain')
    .option('--dns <host[:port]>', 'DNS resolver to use instead of the system’s (repeat for more)', collect)
    .option('--ca <file>', 'extra trusted CA certificates (PEM) for autoconfig over HTTPS')
    .option('--ispdb <url>', 'base URL of the ISP settings database')
    .option('--no-ispdb', 'do not ask the ISP settings database')
    .option('--timeout <ms>', 'overall deadline in milliseconds (default 10000)', (v) => parsePositiveInt('--timeout', v))
    .option('--json', 'print the result as JSON')
    .addHelpText('after', helpAfter(['maildoctor discover you@example.com', 'maildoctor discover you@example.com --dns 192.0.2.53 --json']))
    .action(async (address: string, opts: DiscoverCommandOptions) => {
      exitCode = await interruptible(io, async (cio) => (await import('./discover.js')).discoverCommand(address, opts, cio));
    });

  program
    .command('network')
    .description('show the network you are on: addresses, gateway, resolvers, public address, provider and its SMTP servers')
    .option('--dns <host[:port]>', 'DNS resolver to use instead of the system’s (repeat for more)', collect)
    .option('--echo-url <url>', 'HTTPS URL that answers with your public address (off by default: it tells a third party your address)')
    .option('--ispdb <url>', 'base URL of the ISP settings database (asked for the provider’s servers)')
    .option('--no-ispdb', 'do not ask the ISP settings database')
    .option('--timeout <ms>', 'overall deadline in milliseconds', (v) => parsePositiveInt('--timeout', v))
    .option('--json', 'print the result as JSON')
    .addHelpText('after', helpAfter(['maildoctor network', 'maildoctor network --json']))
    .action(async (opts: NetworkCommandOptions) => {
      exitCode = await interruptible(io, async (cio) => (await import('./discover.js')).networkCommand(opts, cio));
    });

  program
    .command('probe')
    .description('run one probe against one server and show the transcript and a verdict')
    .argument('<protocol>', `one of ${PROTOCOLS.join(', ')}`)
    .argument('<host[:port]>', 'server name or address, optional port (default: the protocol’s port)')
    .option('--user <name>', `log in as this user; the password comes from ${PASSWORD_ENV}, --password-env, --password-stdin, or an OAuth2 token from --oauth-token-env / --oauth-token-file`)
    .option('--password-env <VAR>', 'read the password from this environment variable')
    .option('--password-stdin', 'read the password from the first line of standard input')
    .option('--oauth-token-env <VAR>', 'log in with an OAuth2 access token (OAUTHBEARER/XOAUTH2) from this environment variable')
    .option('--oauth-token-file <file>', 'log in with the OAuth2 access token on the first line of this file')
    .option('--allow-plaintext-auth', 'allow sending the password over an unencrypted connection')
    .addOption(new Option('--relay-test <addresses...>', 'SMTP: MAIL FROM <from> then RCPT TO <to> (external), then RSET; never sends a message').argParser(collectTwo))
    .addOption(new Option('--starttls <policy>', 'plaintext ports: STARTTLS policy').choices(['required', 'optional', 'never']))
    .option('--ca <file>', 'extra trusted CA certificates (PEM)')
    .option('--servername <name>', 'TLS server name (SNI and certificate check), when dialling an address')
    .option('--local-address <address>', 'bind the client to this local address')
    .option('--timeout <ms>', 'overall deadline of the probe in milliseconds (default 20000)')
    .option('--json', 'print the full result as JSON')
    .addHelpText('after', helpAfter(['maildoctor probe smtp smtp.example.com:587', 'maildoctor probe imaps imap.example.com --user you --password-env MAIL_PW', 'maildoctor probe smtp mx.example.com --relay-test you@example.com someone@example.org']))
    .action(async (protocol: string, hostPort: string, opts: ProbeCommandOptions) => {
      exitCode = await interruptible(io, async (cio) => (await import('./probe.js')).probeCommand(protocol, hostPort, opts, cio));
    });

  program
    .command('agent')
    .description('keep watching: re-check every account when the network changes, alert when mail breaks, recovers or needs new settings (docs/agent.md)')
    .option('--config <file>', 'agent config file (JSON; default: agent.json in the user config directory, e.g. ~/.config/maildoctor/)')
    .addHelpText('after', helpAfter(['maildoctor agent', 'maildoctor agent --config ./agent.json'], false, 'Signals: SIGHUP reloads the config and re-checks; SIGTERM or SIGINT stops cleanly (exit 0).'))
    .action(async (opts: AgentCommandOptions) => {
      exitCode = await (await import('./agent.js')).agentCommand(opts, io);
    });

  program
    .command('exporter')
    .description('a Prometheus multi-target exporter, blackbox_exporter style: /probe?module=NAME&target=HOST[:PORT] (docs/exporter.md)')
    .option('--listen <host:port>', `address to listen on (default ${DEFAULT_EXPORTER_LISTEN}: local only)`)
    .option('--config <file>', 'YAML config: modules, allow-list, limits (docs/exporter.md)')
    .option('--allow <pattern>', 'allow targets matching HOST, *.DOMAIN, HOST:PORT, HOST:* or a CIDR network (repeatable); required unless the config has `allow:`', collect)
    .option('--web-config <file>', 'TLS and basic auth of the listener, in the Prometheus exporter toolkit web config format')
    .option('--ca <file>', 'extra trusted CA certificates (PEM) for every module')
    .addOption(new Option('--log-level <level>', 'log level').choices(['error', 'warn', 'info', 'debug']))
    .addOption(new Option('--log-format <format>', 'log lines as text or JSON').choices(['text', 'json']))
    .addHelpText('after', helpAfter(['maildoctor exporter --allow mail.example.com', 'maildoctor exporter --config exporter.yml --listen 127.0.0.1:9878'], false, 'Signals: SIGTERM or SIGINT stops cleanly (exit 0); SIGHUP does not reload (restart to change the config).'))
    .action(async (opts: ExporterCommandOptions) => {
      exitCode = await (await import('./exporter.js')).exporterCommand(opts, io);
    });

  // Every command takes --lang (a usage error of any command is said in it); readerLang read it already.
  for (const command of program.commands) {
    const what = command.name() === 'check' ? 'the report and messages' : 'messages';
    command.addOption(new Option('--lang <lang>', `language of ${what}: en or it (default: from LC_ALL, LC_MESSAGES or LANG)`).argParser(parseLang));
    if (t) command.helpOption('-h, --help', t.text('help.help'));
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
  return new UsageError(translator(lang).text(usage.msg.msg as never, usage.msg.params ?? {}), usage.msg);
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
