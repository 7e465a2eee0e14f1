/**
 * Usage errors in Italian, as a user meets them: the BUILT bin/maildoctor.js as a child process under
 * LANG=it_IT.UTF-8 or with --lang it. Each command's own mistakes, commander's (unknown option, missing or
 * excess argument, a value outside the choices, an unknown command), and the password prompt on a real
 * terminal (a pty from script(1)). Each case ends with exit 2 and ONE line on stderr; nothing here reaches a
 * network, every command stops at its input check.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, runBuiltCli as run } from '../helpers/cli/built-cli.js';

describe('cli: usage errors in the reader’s language (built CLI, child process)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'md-lang-'));
    writeFileSync(join(dir, 'not-a-ca.pem'), 'hello\n');
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  const IT = { LANG: 'it_IT.UTF-8' };
  const cases: Array<[string, string[], string]> = [
    // The commands' own checks.
    ['probe: an unknown protocol', ['probe', 'smtq', 'mail.example.test'], 'protocollo sconosciuto "smtq"; usa uno di questi: smtp, smtps, pop3, pop3s, imap, imaps, tcp'],
    ['probe: tcp without a port', ['probe', 'tcp', 'mail.example.test'], 'per una prova tcp serve HOST:PORTA'],
    ['probe: --relay-test on imap', ['probe', 'imap', 'mail.example.test', '--relay-test', 'a@example.test', 'b@example.test'], '--relay-test vale solo per le prove smtp e smtps'],
    ['probe: --user without a secret', ['probe', 'smtp', 'mail.example.test', '--user', 'pippo'], 'con --user serve una password o un token: MAILDOCTOR_PASSWORD, --password-env VARIABILE, --password-stdin, --oauth-token-env VARIABILE o --oauth-token-file FILE (mai una password sulla riga di comando)'],
    ['probe: two ways to give the secret', ['probe', 'smtp', 'mail.example.test', '--user', 'pippo', '--password-stdin', '--password-env', 'PW'], 'indica la password o il token in un modo solo, non con --password-env e --password-stdin'],
    ['probe: a missing CA file', ['probe', 'smtp', 'mail.example.test', '--ca', '/nonexistent/ca.pem'], 'non riesco a leggere il file dei certificati CA "/nonexistent/ca.pem": il file non esiste'],
    ['probe: --local-address that is a name', ['probe', 'smtp', 'mail.example.test', '--local-address', 'qui'], '--local-address vuole un indirizzo IP, non "qui"'],
    ['discover: --timeout 0', ['discover', 'pippo@example.test', '--timeout', '0'], '--timeout vuole un numero intero da 1 a 2147483647, non "0"'],
    ['discover: a CA file without a certificate', ['discover', 'pippo@example.test', '--ca', '<dir>/not-a-ca.pem'], 'il file dei certificati CA "<dir>/not-a-ca.pem" non contiene nessun certificato PEM'],
    ['network: --timeout x', ['network', '--timeout', 'x'], '--timeout vuole un numero intero da 1 a 2147483647, non "x"'],
    ['check: --autoconfig into a missing directory', ['check', 'pippo@example.test', '--autoconfig', '<dir>/manca/out.xml'], '--autoconfig "<dir>/manca/out.xml": la cartella "<dir>/manca" non esiste'],
    ['check: a password without --user', ['check', 'pippo@example.test', '--password-stdin'], 'per usare una password serve anche --user (il nome utente)'],
    ['check: a missing token file', ['check', 'pippo@example.test', '--user', 'pippo', '--oauth-token-file', '/nonexistent/token'], 'non riesco a leggere il file del token /nonexistent/token: il file non esiste'],
    ['check: a profile directory without a profile', ['check', '--thunderbird-profile', '<dir>'], '--thunderbird-profile: in <dir> non c’è né prefs.js né profiles.ini'],
    ['exporter: --listen without a port', ['exporter', '--listen', 'localhost', '--allow', 'mail.example.test'], '--listen vuole HOST:PORTA (per esempio 127.0.0.1:9878), non "localhost"'],
    ['exporter: no allow-list', ['exporter'], 'nessun server è permesso: indica --allow MODELLO (per esempio --allow "*.example.com") o un elenco `allow:` in --config; un /probe aperto a tutti permette a chiunque lo raggiunga di scansionare porte e provare inoltri'],
    ['exporter: an allow pattern for everything', ['exporter', '--allow', '*'], 'server permessi "*": bisogna indicare dei server o una rete; "*" permetterebbe tutti i server (chiunque potrebbe scansionare porte)'],
    ['exporter: a missing config', ['exporter', '--config', '/nonexistent/exporter.yml'], 'non riesco a leggere la configurazione dell’exporter /nonexistent/exporter.yml: il file non esiste'],
    ['agent: an unknown --lang', ['agent', '--lang', 'fr'], '--lang: "fr" non è una lingua di maildoctor (en, it)'],
    // commander's own.
    ['an unknown option', ['network', '--frobnicate'], 'opzione sconosciuta \'--frobnicate\''],
    ['an unknown option close to a known one', ['discover', 'pippo@example.test', '--jsno'], 'opzione sconosciuta \'--jsno\' (forse intendevi --json?)'],
    ['a missing argument', ['probe', 'smtp'], 'manca un argomento obbligatorio: \'host[:port]\''],
    ['an option without its value', ['check', 'pippo@example.test', '--timeout'], 'all’opzione \'--timeout <ms>\' manca il valore'],
    ['an argument too many', ['network', 'casa'], 'troppi argomenti per \'network\': non ne vuole nessuno, ne hai dato uno.'],
    ['arguments too many', ['probe', 'smtp', 'a.example.test', 'b.example.test', 'c.example.test'], 'troppi argomenti per \'probe\': ne vuole 2, ne hai dati 4.'],
    ['a value outside the choices', ['probe', 'smtp', 'mail.example.test', '--starttls', 'sempre'], 'l’opzione \'--starttls <policy>\' non accetta \'sempre\'. I valori possibili sono required, optional, never.'],
    ['an unknown command', ['chek', 'pippo@example.test'], 'comando sconosciuto \'chek\' (forse intendevi check?)'],
  ];
  for (const [name, args, italian] of cases) {
    it(`${name}: LANG=it_IT.UTF-8 and --lang it say it in Italian, exit 2, one line`, async () => {
      const argv = args.map((a) => a.replace('<dir>', dir));
      const expected = `maildoctor: ${italian.replaceAll('<dir>', dir)}\n`;
      for (const [how, r] of [
        ['LANG', await run(argv, IT)],
        ['--lang', await run([...argv, '--lang', 'it'], { LANG: 'C.UTF-8' })],
      ] as const) {
        // `--lang it` after `--timeout` is the timeout's value, not a language: only LANG speaks Italian there.
        if (how === '--lang' && args.at(-1) === '--timeout') continue;
        assert.equal(r.code, 2, `${how}: exit ${r.code}\n${r.stderr}`);
        assert.equal(r.stdout, '', how);
        assert.equal(r.stderr, expected, how);
      }
    });
  }

  it('--lang before the command’s name works too, and the last --lang wins', async () => {
    const before = await run(['--lang', 'it', 'check', 'pippo@'], { LANG: 'C.UTF-8' });
    assert.equal(before.code, 2, before.stderr);
    assert.equal(before.stderr, 'maildoctor: in "pippo@" non c’è niente dopo la @\n');
    assert.equal((await run(['--lang', 'it', 'probe', 'tcp', 'h.example.test', '--lang', 'en'], {})).stderr, 'maildoctor: a tcp probe needs HOST:PORT\n');
  });

  it('the same mistakes in English under LANG=C: commander’s sentence, one line', async () => {
    assert.equal((await run(['network', '--frobnicate'], { LANG: 'C.UTF-8' })).stderr, "maildoctor: unknown option '--frobnicate'\n");
    assert.equal((await run(['discover', 'pippo@example.test', '--jsno'], { LANG: 'C.UTF-8' })).stderr, "maildoctor: unknown option '--jsno' (did you mean --json?)\n");
    assert.equal((await run(['network', 'casa'], {})).stderr, "maildoctor: too many arguments for 'network'. Expected 0 arguments but got 1.\n");
    assert.equal((await run(['probe', 'tcp', 'mail.example.test'], { LANG: 'it_IT.UTF-8', LC_ALL: 'en_US.UTF-8' })).stderr, 'maildoctor: a tcp probe needs HOST:PORT\n');
  });

  it('help in Italian: the section titles and commander’s own lines', async () => {
    const r = await run(['probe', '--help'], IT);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^Uso: maildoctor probe \[options\] <protocol> <host\[:port\]>\n/);
    assert.match(r.stdout, /\nArgomenti:\n/);
    assert.match(r.stdout, /\nOpzioni:\n/);
    assert.match(r.stdout, /-h, --help +mostra l’aiuto del comando\n/);
    assert.doesNotMatch(r.stdout, /^(Usage|Options|Arguments|Commands):/m);
    // The descriptions, what commander adds to them, and what every help ends with.
    assert.match(r.stdout, /\n {2}protocol +uno di smtp, smtps, pop3, pop3s, imap, imaps, tcp\n/);
    assert.match(r.stdout, /--json +stampa tutto il risultato in JSON\n/);
    assert.match(r.stdout.replace(/\s+/g, ' '), /\(valori possibili: "required", "optional", "never"\)/);
    assert.match(r.stdout, /\nCodici di uscita:\n {2}0 {3}tutto a posto: quello che hai chiesto funziona\n/);
    assert.match(r.stdout, /\nEsempi:\n {2}\$ maildoctor probe smtp smtp\.example\.com:587\n/);
    const top = await run(['--help'], { LANG: 'C.UTF-8' , LC_ALL: 'it_IT.UTF-8' });
    assert.match(top.stdout, /^Uso: maildoctor \[options\] \[command\]\n\nTi dice perché la tua posta non parte/);
    assert.match(top.stdout, /\n {2}check \[options\] \[address\] +controlla invio e ricezione/);
  });

  it('help in English stays commander’s and ours, word for word', async () => {
    const r = await run(['probe', '--help'], { LANG: 'C.UTF-8' });
    assert.match(r.stdout, /^Usage: maildoctor probe \[options\] <protocol> <host\[:port\]>\n\nrun one probe against one server/);
    assert.match(r.stdout, /--json +print the full result as JSON\n/);
    assert.match(r.stdout.replace(/\s+/g, ' '), /\(choices: "required", "optional", "never"\)/);
    assert.match(r.stdout, /\nExit codes:\n {2}0 {3}healthy: what was asked works\n/);
    assert.match((await run(['help', 'network'], {})).stdout, /^Usage: maildoctor network \[options\]\n\nshow the network you are on/);
  });

  it('the password prompt on a terminal asks in Italian, and Ctrl-C at it is "annullato" (exit 2)', async function () {
    // script(1) gives the command a pty: the prompt needs a terminal (raw mode, no echo).
    const child = spawn('script', ['-qec', `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} check pippo@example.test --user pippo --no-controls`, '/dev/null'], {
      env: { PATH: process.env.PATH, LANG: 'it_IT.UTF-8', TERM: 'dumb' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let out = '';
    let sent = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      // Ctrl-C once the question is on screen: the terminal is then raw, so it is a byte for the prompt.
      if (out.includes('Password di pippo: ') && !sent) {
        sent = true;
        child.stdin.write('\x03');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(code, 2, out);
    assert.equal(out.replaceAll('\r', ''), 'Password di pippo: \nmaildoctor: annullato\n');
  });
});
