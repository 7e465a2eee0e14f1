/**
 * `discover` and `network` speak the reader's language (issue 14): the BUILT CLI in a namespace whose lab
 * resolver answers the closed zone (fixtures/process/closed.zone) and is silent for every other name, under
 * LANG=it_IT.UTF-8 and with --lang it. Host names, addresses, sources and codes stay as they are; English is
 * the same as before.
 */
import assert from 'node:assert/strict';
import { ensureBuilt, runCli, STACK_TRACE, type Ran } from '../helpers/process/run.js';

// Short deadlines: the silent resolver never answers the ISP database or the echo URL.
const DISCOVER = ['discover', 'jane@example.test', '--no-ispdb', '--timeout', '1500'];
const NETWORK = ['network', '--no-ispdb', '--echo-url', 'https://echo.outside.test/', '--timeout', '1200'];

function text(r: Ran, what: string): string {
  assert.ok([0, 1].includes(r.code ?? -1), `${what}: exit ${r.code}; stderr ${r.stderr.slice(0, 400)}`);
  assert.equal(r.stderr, '', what);
  assert.doesNotMatch(r.stderr, STACK_TRACE);
  return r.stdout;
}

describe('process tier: discover and network in Italian', function () {
  this.timeout(60_000);
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    ensureBuilt();
  });

  it('discover: sections, rows and source states in Italian, by LANG and by --lang; English unchanged', async () => {
    const [byEnv, byFlag, en] = await Promise.all([
      runCli(DISCOVER, { resolver: 'silent', env: { LANG: 'it_IT.UTF-8', LC_ALL: '' } }),
      runCli([...DISCOVER, '--lang', 'it'], { resolver: 'silent', env: { LANG: 'en_US.UTF-8', LC_ALL: '' } }),
      runCli(DISCOVER, { resolver: 'silent', env: { LANG: 'C', LC_ALL: '' } }),
    ]);
    for (const [how, r] of [['LANG=it_IT.UTF-8', byEnv], ['--lang it', byFlag]] as const) {
      const out = text(r, how);
      assert.match(out, /^jane@example\.test — \d+ ms, server DNS \S+/m, how);
      assert.match(out, /^Server di posta in uscita \(SMTP\)$/m, how);
      assert.match(out, /^Server di posta in entrata \(IMAP\)$/m, how);
      assert.match(out, /^ {2}smtp\.example\.test\s+\[[a-z, ]+\]\s+465\/tls/m, `${how}: host names and ports as they are`);
      assert.match(out, /^ {2}\(\* porta indicata da una fonte; \? facoltativa: la porta 25 è spesso bloccata/m, how);
      assert.match(out, /^Fonti$/m, how);
      assert.match(out, /^ {2}ispdb\s+saltato/m, `${how}: --no-ispdb skips the ISP database, said in Italian`);
      assert.doesNotMatch(out, /Outgoing|Incoming|^Sources|none found|DOES NOT RESOLVE|port named by|resolvers /m, `${how}: no English left`);
    }
    const english = text(en, 'LANG=C');
    assert.match(english, /^jane@example\.test — \d+ ms, resolvers \S+/m);
    assert.match(english, /^Outgoing \(SMTP\)$/m);
    assert.match(english, /^ {2}ispdb\s+skipped/m);
    assert.match(english, /^Sources$/m);
  });

  it('network: title, row labels and what it could not learn in Italian, by LANG and by --lang; English unchanged', async () => {
    const [byEnv, byFlag, en] = await Promise.all([
      runCli(NETWORK, { resolver: 'silent', env: { LANG: 'it_IT.UTF-8', LC_ALL: '' } }),
      runCli([...NETWORK, '--lang', 'it'], { resolver: 'silent', env: { LANG: 'en_US.UTF-8', LC_ALL: '' } }),
      runCli(NETWORK, { resolver: 'silent', env: { LANG: 'C', LC_ALL: '' } }),
    ]);
    for (const [how, r] of [['LANG=it_IT.UTF-8', byEnv], ['--lang it', byFlag]] as const) {
      const out = text(r, how);
      assert.match(out, /^Rete \(linux, \d+ ms\)$/m, how);
      assert.match(out, /^ {2}interfaccia +\S+/m, how);
      assert.match(out, /^ {2}server DNS +\S+/m, how);
      assert.match(out, /^ {2}IP pubblico +sconosciuto$/m, `${how}: the silent echo URL leaves the public address unknown`);
      assert.match(out, /^ {2}impronta +[0-9a-f]{16}$/m, how);
      assert.match(out, /^Non è stato possibile sapere$/m, how);
      // What it could not learn ("  - publicAddress: …") is the library's record, as the JSON has it.
      const own = out.split('\n').filter((l) => !l.startsWith('  - ')).join('\n');
      assert.doesNotMatch(own, /^Network|interface|resolvers|fingerprint|unknown$|Could not learn/m, `${how}: no English left`);
      // The labels line up: every value starts in the same column.
      const columns = new Set(out.split('\n').filter((l) => /^ {2}\S/.test(l) && !l.startsWith('  - ')).map((l) => /^ {2}.+? {2,}|^ {2}\S+ /.exec(l)![0].length));
      assert.equal(columns.size, 1, `${how}: values in one column\n${out}`);
    }
    const english = text(en, 'LANG=C');
    assert.match(english, /^Network \(linux, \d+ ms\)$/m);
    assert.match(english, /^ {2}interface {5}\S+/m);
    assert.match(english, /^ {2}public {8}unknown$/m);
    assert.match(english, /^Could not learn$/m);
  });
});
