/**
 * The text report of every recorded fixture, in English and Italian, against its snapshot
 * (test/check/__snapshots__/<id>.txt and <id>.it.txt; the lab's end-to-end test matches the same English ones),
 * and the promises of its shape: the verdict first, one line per server port, evidence only with --verbose, and a
 * last line that says what the exit code says.
 */
import assert from 'node:assert/strict';
import { LANGS, translator } from '../../src/i18n/index.js';
import { buildReport, reportExitCode } from '../../src/report/index.js';
import { plainColors, renderReport } from '../../src/report/render-text.js';
import { matchSnapshot, normaliseReportText } from '../helpers/check/snapshot.js';
import { ALL_FIXTURES, loadDerived, loadRecorded, RECORDED } from '../helpers/report/fixtures.js';

const render = (id: string, lang: 'en' | 'it', verbose = false): string =>
  normaliseReportText(renderReport(buildReport(loadRecorded(id)), plainColors, { stable: true, lang, verbose }));

describe('report/render-text: the text report, summary first, in English and Italian', () => {
  for (const id of RECORDED) {
    for (const lang of LANGS) {
      it(`${id} (${lang}) matches its snapshot`, () => {
        matchSnapshot(lang === 'en' ? id : `${id}.${lang}`, render(id, lang));
      });
    }
  }

  // Issue 9's derived situations, which no lab run records: their findings as a reader sees them.
  for (const name of ['cert-dates-invalid', 'incoming-fails-unexplained']) {
    for (const lang of LANGS) {
      it(`derived/${name} (${lang}) matches its snapshot`, () => {
        const text = normaliseReportText(renderReport(buildReport(loadDerived(name)), plainColors, { stable: true, lang, verbose: true }));
        matchSnapshot(`derived-${name}${lang === 'en' ? '' : `.${lang}`}`, text);
      });
    }
  }

  it('seed-hybrid --verbose (it) matches its snapshot: the evidence under each finding', () => {
    matchSnapshot('seed-hybrid.verbose.it', render('seed-hybrid', 'it', true));
  });

  for (const { label, load } of ALL_FIXTURES) {
    it(`${label}: the verdict comes first and the last line says what the exit code says, in every language`, () => {
      const report = buildReport(load());
      const code = reportExitCode(report);
      for (const lang of LANGS) {
        const lines = renderReport(report, plainColors, { stable: true, lang }).trimEnd().split('\n');
        const t = translator(lang);
        assert.ok(lines[2]!.startsWith(t.text(`verdict.receive.${report.status.receiving}`).split(' ')[0]!), `${label} ${lang}: ${lines[2]}`);
        const last = lines.slice(-3).join(' ');
        assert.match(last, code === 0 ? /\(exit code 0\)|\(codice di uscita 0\)/ : /\(exit code 1\)|\(codice di uscita 1\)/, `${label} ${lang}`);
      }
    });
  }

  it('seed-hybrid: one line per server port (two names for one server are one line), each with every verdict', () => {
    const text = render('seed-hybrid', 'en');
    const rows = text.split('\n').filter((l) => /^ {4}[✓✗?] /.test(l));
    const ports = rows.map((l) => l.split(/\s+/)[2]);
    assert.equal(new Set(ports).size, ports.length, `a port listed twice:\n${rows.join('\n')}`);
    assert.equal(rows.length, 10);
    assert.ok(rows.some((l) => l.includes('mail.disney.test:25 (also smtp.disney.test)') && l.includes('without password: refuses to relay (554 5.7.1) · with password: no login offered')), rows.join('\n'));
  });

  it('evidence only with --verbose; the ERROR finding and the exit code 1 are said before the end', () => {
    const plain = render('seed-hybrid', 'en');
    const verbose = render('seed-hybrid', 'en', true);
    assert.doesNotMatch(plain, /\[outgoing:mail\.disney\.test:25\] S: 554/);
    assert.match(verbose, /\[outgoing:mail\.disney\.test:25\] S: 554 5\.7\.1/);
    assert.match(plain.trimEnd().split('\n').slice(-2).join(' '), /1 problem to fix, see the findings \(exit code 1\)\.$/);
  });
});
