/**
 * Server text is data, never terminal control (issue 9): ESC, BEL, backspace, CR and invisible format
 * characters from greetings, replies, certificate fields and DNS names reach the text output escaped.
 */
import assert from 'node:assert/strict';
import { renderDiscovery } from '../../src/cli/discover.js';
import { renderProbeResult } from '../../src/cli/render-probe.js';
import { LANGS, translator } from '../../src/i18n/index.js';
import { escapeControls, quoteInput } from '../../src/lib/text.js';
import { buildReport } from '../../src/report/index.js';
import { plainColors, renderReport } from '../../src/report/render-text.js';
import type { CheckFacts } from '../../src/report/types.js';
import { ensureBuilt, runCli } from '../helpers/process/run.js';
import { smtpServer } from '../helpers/servers/gallery.js';
import { loadRecorded } from '../helpers/report/fixtures.js';

/** Clear the screen, retitle the window, ring, overwrite, hide text: what a hostile banner tries. */
const HOSTILE = '\x1b[2J\x1b]0;pwned\x07 ok\b\b\bno \u202eevil\u200b\x9b31m';
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u202e]/;

function hostileFacts(): CheckFacts {
  const facts = loadRecorded('cert-self-signed');
  const text = JSON.stringify(facts);
  // Every greeting, reply text, certificate subject/issuer and PTR name gets the hostile tail.
  return JSON.parse(text.replace(/"(text|subject|issuer|name)":"([^"]*)"/g, (_m, k: string, v: string) => `"${k}":${JSON.stringify(v + HOSTILE)}`)) as CheckFacts;
}

describe('text output: control bytes from outside are shown escaped', () => {
  it('escapeControls keeps tab and newline and escapes the rest; quoteInput escapes those too', () => {
    assert.equal(escapeControls('a\tb\nc\x1b[0m\x07\u200b'), 'a\tb\nc\\x1b[0m\\x07\\u{200b}');
    assert.equal(quoteInput('a\tb\n'), '"a\\tb\\n"');
  });

  it('the check report: greetings, replies, certificate fields and DNS names with ESC/BEL/BS/bidi → escaped', () => {
    const facts = hostileFacts();
    const text = renderReport(buildReport(facts), plainColors, { verbose: true });
    assert.ok(text.includes('\\x1b[2J'), 'the hostile text is shown, escaped');
    assert.doesNotMatch(text, CONTROL);
  });

  it('discover and probe renderings escape them too, in every language', () => {
    const facts = hostileFacts();
    for (const lang of LANGS) {
      const t = translator(lang);
      assert.doesNotMatch(renderDiscovery(facts.discovery, t), CONTROL);
      for (const p of facts.probes) assert.doesNotMatch(renderProbeResult(p.result, plainColors, t), CONTROL);
    }
  });

  it('the built CLI: probe smtp against a hostile banner prints it escaped, in text and in JSON', async function () {
    this.timeout(20_000);
    ensureBuilt();
    const server = await smtpServer({ greeting: `220 ${HOSTILE}\r\n` });
    try {
      for (const json of [false, true]) {
        const r = await runCli(['probe', 'smtp', `${server.host}:${server.port}`, '--starttls', 'never', ...(json ? ['--json'] : [])]);
        assert.ok(r.code === 0 || r.code === 1, r.stderr);
        assert.doesNotMatch(r.stdout.replace(/\n/g, ''), CONTROL, `stdout${json ? ' (--json)' : ''} holds a raw control character`);
      }
    } finally {
      await server.close();
    }
  });
});
