/**
 * The HTML page (--html): self-contained and safe by construction (checked on the text), and rendered by Debian's
 * headless Chromium driven through playwright-core: it renders the path and one chip per server port, a
 * screenshot is taken, and the page asks for nothing but itself (every other request is recorded and refused).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { buildReport } from '../../src/report/index.js';
import { renderHtml } from '../../src/report/render-html.js';
import type { CheckReport } from '../../src/report/types.js';
import { reportView } from '../../src/report/view.js';
import { ALL_FIXTURES, loadRecorded } from '../helpers/report/fixtures.js';

const CHROMIUM = '/usr/bin/chromium';

describe('report/render-html: one self-contained page', () => {
  for (const { label, load } of ALL_FIXTURES) {
    it(`${label}: nothing that fetches (no script, link, src, url(), @import) and a CSP that forbids fetching`, () => {
      const html = renderHtml(buildReport(load()), { lang: 'it' });
      assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
      assert.doesNotMatch(html, /<script|<link|<iframe|<img|\ssrc=|\shref=|url\(|@import/i);
      // The only URL is the SVG namespace name, which is never fetched.
      assert.deepEqual([...new Set(html.match(/https?:\/\/[^\s"'<>]+/g) ?? [])], ['http://www.w3.org/2000/svg']);
    });
  }

  it('escapes what servers send (markup, quotes, control bytes) and holds no password', () => {
    const base = buildReport(loadRecorded('seed-hybrid'));
    const hostile = '<script>alert(1)</script>"\u0007\u001b[31m';
    const report: CheckReport = { ...base, findings: base.findings.map((f, i) => (i === 0 ? { ...f, evidence: [`S: 554 ${hostile}`] } : f)) };
    const html = renderHtml(report);
    assert.ok(!html.includes('<script>'), 'markup from a server is escaped');
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;&quot;\ufffd\ufffd[31m'), 'escaped, control bytes replaced');
    assert.doesNotMatch(html, /password":|MAILDOCTOR_PASSWORD=/);
  });

  describe('in headless Chromium', function () {
    this.timeout(60_000);
    let dir: string;
    before(function () {
      if (!existsSync(CHROMIUM)) {
        process.stderr.write(`      (skipped: ${CHROMIUM} is not installed; scripts/setup.sh installs it)\n`);
        this.skip();
      }
      dir = mkdtempSync(join(tmpdir(), 'maildoctor-html-'));
    });
    after(() => {
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    for (const [id, lang] of [['seed-hybrid', 'it'], ['port25-dropped', 'en'], ['unknown-domain', 'en']] as const) {
      it(`${id} (${lang}): renders the path and one chip per port, a screenshot is taken, and no request leaves the page`, async () => {
        const report = buildReport(loadRecorded(id));
        const file = join(dir, `${id}.html`);
        writeFileSync(file, renderHtml(report, { lang }));
        const { chromium } = await import('playwright-core');
        const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
        try {
          const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
          const others = await refuseOthers(page, file);
          const response = await page.goto(pathToFileURL(file).href);
          assert.ok(response?.ok(), 'the page loads');
          await page.waitForLoadState('load');
          assert.deepEqual(others, [], 'the page asked for something else than itself');
          const view = reportView(report, lang);
          assert.equal(await page.locator('h1').innerText(), view.title);
          assert.equal((await page.locator('p.verdict').first().innerText()).trim(), view.headline);
          const svg = await page.locator('svg').boundingBox();
          assert.ok(svg && svg.width > 500 && svg.height > 50, `the path is drawn (${JSON.stringify(svg)})`);
          assert.equal(await page.locator('svg g rect').count(), view.rows.length, 'one chip per server port');
          assert.equal(await page.locator('div.finding').count(), view.findings.length);
          const shot = join(dir, `${id}.png`);
          await page.screenshot({ path: shot, fullPage: true });
          assert.ok(statSync(shot).size > 10_000, 'a screenshot with content');
          assert.deepEqual(others, []);
        } finally {
          await browser.close();
        }
      });
    }

    it('the watch can fail: a page that loads an image and a style sheet is caught, and neither request leaves', async () => {
      const file = join(dir, 'fetching.html');
      writeFileSync(file, '<!DOCTYPE html><img src="http://192.0.2.1/x.png"><link rel="stylesheet" href="https://198.51.100.9/a.css">');
      const { chromium } = await import('playwright-core');
      const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'] });
      try {
        const page = await browser.newPage();
        const others = await refuseOthers(page, file);
        await page.goto(pathToFileURL(file).href);
        await page.waitForLoadState('load');
        assert.deepEqual(others.sort(), ['http://192.0.2.1/x.png', 'https://198.51.100.9/a.css']);
      } finally {
        await browser.close();
      }
    });
  });
});

/** Let the page itself load; record and abort every other request (so none ever leaves the machine). */
async function refuseOthers(page: Page, file: string): Promise<string[]> {
  const self = pathToFileURL(file).href;
  const others: string[] = [];
  await page.route('**/*', (route) => {
    if (route.request().url() === self) return route.continue();
    others.push(route.request().url());
    return route.abort();
  });
  return others;
}
