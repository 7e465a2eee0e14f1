/**
 * Every rule and every finding code, from JSON fixtures. The lab records nine scenarios (test/check/rules.test.ts);
 * the situations it does not stage are derived fixtures (fixtures/reports/derived/<name>.json): a recorded base
 * plus a JSON Patch whose probe results have the shape a real probe produces. Each one is tested for what every
 * rule alone says, the assembled report, and purity; and the codes of all fixtures together must cover the
 * catalogue, so a new finding code without a fixture fails here.
 */
import assert from 'node:assert/strict';
import { LANGS, translator, type Localisable } from '../../src/i18n/index.js';
import { ERROR_CODES, FINDING_CODES } from '../../src/lib/codes.js';
import { connected } from '../../src/report/analysis.js';
import { buildReport, recommend, reportExitCode, RULES } from '../../src/report/index.js';
import type { CheckFacts, CheckProbe, CheckReport } from '../../src/report/types.js';
import type { RuleName } from '../helpers/check/expected.js';

/** A finding's sentences in English (assertions about wording read them, never the report). */
const en = (f: Localisable) => translator('en').finding(f);
import { ALL_FIXTURES, applyPatch, deepFreeze, DERIVED, loadDerived, readDerived, RECORDED, type PatchOp } from '../helpers/report/fixtures.js';

interface DerivedExpected {
  /** The rule (or `recommend`) this fixture exists for. */
  focus: RuleName;
  /** What each rule alone produces, `CODE:severity` in order; a rule not listed produces nothing. */
  rules: Partial<Record<RuleName, string[]>>;
  /** The assembled report's findings, in report order. */
  findings: string[];
  status: CheckReport['status'];
  exitCode: 0 | 1;
  /** What the codes alone cannot show: which branch of the rule spoke, what its evidence proves. */
  also?: (report: CheckReport) => void;
}

const times = (n: number, key: string): string[] => Array.from({ length: n }, () => key);
const HYBRID = ['HYBRID_RECOMMENDED:info', 'SPF_HYBRID_FAIL:warning'];
const WORKS = { sending: 'works', receiving: 'works' } as const;

function only(report: CheckReport, code: string) {
  const found = report.findings.filter((f) => f.code === code);
  assert.ok(found.length > 0, `no ${code} finding`);
  return found;
}

/**
 * The seed story (the provider refuses to relay on 25, hybrid through the ISP, `closedPorts` refused submission
 * ports) plus the fixture's own `warnings`, which rules report after the relay error and before recommend's SPF.
 */
function seedWith(focus: RuleName, warnings: string[], closedPorts: number, also?: DerivedExpected['also']): DerivedExpected {
  assert.ok(warnings.every((k) => k.endsWith(':warning')));
  const closed = times(closedPorts, 'PORT_CLOSED:info');
  return {
    focus,
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], portsRule: closed, recommend: HYBRID, [focus]: focus === 'portsRule' ? [...closed, ...warnings] : warnings },
    findings: ['SMTP_RELAY_DENIED:error', ...warnings, 'SPF_HYBRID_FAIL:warning', ...closed, 'HYBRID_RECOMMENDED:info'],
    status: WORKS,
    exitCode: 1,
    ...(also ? { also } : {}),
  };
}

/**
 * port25-dropped with every submission login answered by `code` instead of 235: receiving still works,
 * sending is unverified, and no note asks for the password the user gave.
 */
function authOutcome(code: string, also: (r: CheckReport) => void): DerivedExpected {
  return {
    focus: 'authOutcomeRule',
    rules: { authRule: ['AUTH_REQUIRED:info'], authOutcomeRule: [`${code}:warning`], portsRule: ['PORT_BLOCKED_BY_NETWORK:warning'] },
    findings: [`${code}:warning`, 'PORT_BLOCKED_BY_NETWORK:warning', 'AUTH_REQUIRED:info'],
    status: { sending: 'unverified', receiving: 'works' },
    exitCode: 0,
    also: (r) => {
      assert.doesNotMatch(JSON.stringify(r.recommendation), /run again with --user|no password given/);
      assert.equal(only(r, code)[0]!.probes.length, 4, 'one finding for the four submission logins');
      also(r);
    },
  };
}

const EXPECTED: Record<string, DerivedExpected> = {
  'tls-mode-mismatch-465': seedWith('tlsRule', times(2, 'TLS_MODE_MISMATCH:warning'), 1, (r) => {
    for (const f of only(r, 'TLS_MODE_MISMATCH')) assert.match(en(f).fix!, /STARTTLS for this port/);
  }),
  'tls-mode-mismatch-587': seedWith('tlsRule', times(2, 'TLS_MODE_MISMATCH:warning'), 1, (r) => {
    for (const f of only(r, 'TLS_MODE_MISMATCH')) assert.match(en(f).fix!, /SSL\/TLS for this port/);
  }),
  // One host, opposite fixes: the per-host merge must not give 587 the advice meant for 465.
  'tls-mode-swapped': seedWith('tlsRule', times(4, 'TLS_MODE_MISMATCH:warning'), 0, (r) => {
    const fixes = only(r, 'TLS_MODE_MISMATCH').map((f) => `${f.probes[0]} ${en(f).fix}`);
    assert.deepEqual(fixes, [
      'outgoing:mail.disney.test:465 Set the connection security to STARTTLS for this port.',
      'outgoing:mail.disney.test:587 Set the connection security to SSL/TLS for this port.',
      'outgoing:smtp.disney.test:465 Set the connection security to STARTTLS for this port.',
      'outgoing:smtp.disney.test:587 Set the connection security to SSL/TLS for this port.',
    ]);
  }),
  'starttls-unavailable': seedWith('tlsRule', times(2, 'STARTTLS_UNAVAILABLE:warning'), 1),
  'starttls-broken': seedWith('tlsRule', times(2, 'STARTTLS_BROKEN:warning'), 1),
  'starttls-injection': seedWith('tlsRule', times(2, 'STARTTLS_PLAINTEXT_INJECTION:warning'), 2, (r) => {
    // The proof is the discarded plaintext, not the relay refusal the session later ended with.
    for (const f of only(r, 'STARTTLS_PLAINTEXT_INJECTION')) {
      assert.equal(f.evidence.length, 2);
      for (const e of f.evidence) assert.match(e, /STARTTLS_PLAINTEXT_INJECTION in starttls: 26 plaintext bytes/);
    }
  }),
  'plaintext-auth-only': { ...seedWith('plaintextAuthRule', ['PLAINTEXT_AUTH_ONLY:warning'], 2), status: { sending: 'works', receiving: 'fails' } },
  'greeting-rejected': {
    focus: 'greetingRule',
    rules: { greetingRule: times(2, 'GREETING_REJECTED:error'), portsRule: times(2, 'PORT_CLOSED:info'), recommend: HYBRID },
    findings: [...times(2, 'GREETING_REJECTED:error'), 'SPF_HYBRID_FAIL:warning', ...times(2, 'PORT_CLOSED:info'), 'HYBRID_RECOMMENDED:info'],
    status: WORKS,
    exitCode: 1,
  },
  'server-unreachable': seedWith('portsRule', ['SERVER_UNREACHABLE:warning'], 2, (r) => {
    assert.equal(en(only(r, 'SERVER_UNREACHABLE')[0]!).summary, 'smtp.disney.test does not answer on any port from here');
    // Unreachable is not "closed": only mail.disney.test's refusals are PORT_CLOSED.
    for (const f of only(r, 'PORT_CLOSED')) assert.ok(f.probes.every((id) => id.includes('mail.disney.test')), en(f).summary);
  }),
  'config-sources-disagree': seedWith('disagreeRule', ['CONFIG_SOURCES_DISAGREE:warning'], 2, (r) => {
    assert.deepEqual(only(r, 'CONFIG_SOURCES_DISAGREE')[0]!.evidence, ['imap: srv vs autoconfig: srv names imap.disney.test; autoconfig names imap.legacy.disney.test']);
  }),
  'port-filtered-server-side': {
    focus: 'portsRule',
    rules: { authRule: ['AUTH_REQUIRED:info'], portsRule: ['PORT_FILTERED:warning'] },
    findings: ['PORT_FILTERED:warning', 'AUTH_REQUIRED:info'],
    status: WORKS,
    exitCode: 0,
    also: (r) => assert.match(en(only(r, 'PORT_FILTERED')[0]!).explanation, /control servers on port 25 answer from here/),
  },
  'port-filtered-no-control': {
    focus: 'portsRule',
    // No control can decide, but the evidence points at this network: the MX's other ports answer, and so does
    // port 25 of the network's own server. Reported as an inference, with its reasons.
    rules: { authRule: ['AUTH_REQUIRED:info'], portsRule: ['PORT_BLOCKED_BY_NETWORK:warning'] },
    findings: ['PORT_BLOCKED_BY_NETWORK:warning', 'AUTH_REQUIRED:info'],
    status: WORKS,
    exitCode: 0,
    also: (r) => {
      const [f] = only(r, 'PORT_BLOCKED_BY_NETWORK');
      assert.match(en(f!).summary, /probably blocks port 25 \(inferred/);
      assert.match(en(f!).explanation, /this is an inference, not a measurement/);
      assert.match(en(f!).explanation, /mail\.disney\.test is an MX of disney\.test/);
      assert.match(en(f!).explanation, /port 25 of this network’s own server smtp\.isp\.test answers/);
    },
  },
  // The false sentence of issue 10 ("It is not this network: resets come from the destination side") is gone: for
  // the MX the refusal is an inferred network block; for a host the evidence says nothing about, "undecided".
  'port-closed-undecided': {
    focus: 'portsRule',
    rules: { authRule: ['AUTH_REQUIRED:info'], portsRule: ['PORT_CLOSED:info', 'PORT_BLOCKED_BY_NETWORK:warning'] },
    findings: ['PORT_BLOCKED_BY_NETWORK:warning', 'AUTH_REQUIRED:info', 'PORT_CLOSED:info'],
    status: WORKS,
    exitCode: 0,
    also: (r) => {
      const [blocked] = only(r, 'PORT_BLOCKED_BY_NETWORK');
      assert.deepEqual(blocked!.probes, ['outgoing:mail.disney.test:25', 'outgoing:mail.disney.test:25:auth']);
      assert.match(en(blocked!).explanation, /an inference, not a measurement: mail\.disney\.test is an MX of disney\.test/);
      const [closed] = only(r, 'PORT_CLOSED');
      assert.deepEqual(closed!.probes, ['outgoing:smtp.disney.test:25', 'outgoing:smtp.disney.test:25:auth']);
      assert.match(en(closed!).explanation, /by the server \(nothing listens there\) or by a firewall on the way/);
      for (const f of r.findings) assert.doesNotMatch(en(f).explanation, /It is not this network/);
    },
  },
  'auth-required-530': {
    focus: 'authRule',
    rules: { authRule: ['AUTH_REQUIRED:info'], portsRule: ['PORT_BLOCKED_BY_NETWORK:warning'] },
    findings: ['PORT_BLOCKED_BY_NETWORK:warning', 'AUTH_REQUIRED:info'],
    status: WORKS,
    exitCode: 0,
    also: (r) => {
      const [f] = only(r, 'AUTH_REQUIRED');
      // 587 answers MAIL FROM with 530 (this fixture); 465 still refuses RCPT with 554 while offering AUTH.
      assert.ok(f!.probes.includes('outgoing:smtp.disney.test:587') && f!.probes.includes('outgoing:mail.disney.test:587'), f!.probes.join(' '));
      assert.ok(f!.evidence.includes('[outgoing:mail.disney.test:587] S: 530 5.7.0 Authentication required'), f!.evidence.join('\n'));
    },
  },
  // Issue 11: the login outcomes that are not "wrong password"; none may ask for a password that was given.
  'auth-temp-failure': authOutcome('AUTH_TEMP_FAILURE', (r) => {
    assert.match(en(only(r, 'AUTH_TEMP_FAILURE')[0]!).fix!, /Try again later/);
    assert.match(r.recommendation.notes.map((n) => translator('en').text(n.msg as never, n.params ?? {})).join(' '), /temporary failure on its side; try again later/);
  }),
  'auth-mechanism-too-weak': authOutcome('AUTH_MECHANISM_TOO_WEAK', (r) => {
    const [f] = only(r, 'AUTH_MECHANISM_TOO_WEAK');
    assert.match(en(f!).summary, /mechanism PLAIN as too weak/);
    assert.match(en(f!).fix!, /another authentication method/, 'the session was encrypted: the fix is the mechanism, not TLS');
  }),
  'auth-encryption-required': authOutcome('AUTH_ENCRYPTION_REQUIRED', (r) => {
    assert.match(en(only(r, 'AUTH_ENCRYPTION_REQUIRED')[0]!).explanation, /already encrypted/, 'a 538 over TLS is the server’s inconsistency');
  }),
  'dnsbl-query-refused': {
    focus: 'blocklistRule',
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], blocklistRule: ['NOT_VERIFIED:info'], portsRule: times(2, 'PORT_CLOSED:info'), recommend: HYBRID },
    findings: ['SMTP_RELAY_DENIED:error', 'SPF_HYBRID_FAIL:warning', 'NOT_VERIFIED:info', ...times(2, 'PORT_CLOSED:info'), 'HYBRID_RECOMMENDED:info'],
    status: WORKS,
    exitCode: 1,
    also: (r) => {
      const [f] = only(r, 'NOT_VERIFIED');
      assert.match(en(f!).explanation, /refused the query itself .* not a listing/);
      assert.deepEqual(f!.evidence[0], '77.100.51.198.zen.spamhaus.org: A 127.255.255.254 (query refused, not a listing)');
    },
  },
  'dns-resolver-unreachable': {
    focus: 'dnsRule',
    rules: { dnsRule: ['DNS_RESOLVER_UNREACHABLE:error'] },
    findings: ['DNS_RESOLVER_UNREACHABLE:error'],
    status: { sending: 'fails', receiving: 'fails' },
    exitCode: 1,
  },
  'no-mail-servers': {
    focus: 'noServersRule',
    rules: { noServersRule: ['NO_MAIL_SERVERS_FOUND:error'] },
    findings: ['NO_MAIL_SERVERS_FOUND:error'],
    status: { sending: 'fails', receiving: 'fails' },
    exitCode: 1,
  },
  'nothing-works': {
    focus: 'recommend',
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], portsRule: times(2, 'PORT_CLOSED:info'), tlsRule: times(3, 'TLS_CERT_EXPIRED:error'), recommend: ['NOTHING_WORKS:error'] },
    findings: ['SMTP_RELAY_DENIED:error', ...times(3, 'TLS_CERT_EXPIRED:error'), 'NOTHING_WORKS:error', ...times(2, 'PORT_CLOSED:info')],
    status: { sending: 'fails', receiving: 'fails' },
    exitCode: 1,
  },
  'not-verified': {
    focus: 'recommend',
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], portsRule: times(2, 'PORT_CLOSED:info'), tlsRule: times(3, 'TLS_CERT_EXPIRED:error'), recommend: [...HYBRID, 'NOT_VERIFIED:info'] },
    findings: ['SMTP_RELAY_DENIED:error', ...times(3, 'TLS_CERT_EXPIRED:error'), 'SPF_HYBRID_FAIL:warning', ...times(2, 'PORT_CLOSED:info'), 'HYBRID_RECOMMENDED:info', 'NOT_VERIFIED:info'],
    status: { sending: 'works', receiving: 'fails' },
    exitCode: 1,
  },
  // Issue 9: a certificate whose validity dates are not dates is a certificate finding with the dates as written.
  'cert-dates-invalid': {
    focus: 'tlsRule',
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], portsRule: times(2, 'PORT_CLOSED:info'), tlsRule: times(3, 'TLS_CERT_DATES_INVALID:error'), recommend: HYBRID },
    findings: ['SMTP_RELAY_DENIED:error', ...times(3, 'TLS_CERT_DATES_INVALID:error'), 'SPF_HYBRID_FAIL:warning', ...times(2, 'PORT_CLOSED:info'), 'HYBRID_RECOMMENDED:info'],
    status: { sending: 'works', receiving: 'fails' },
    exitCode: 1,
    also: (r) => {
      for (const f of only(r, 'TLS_CERT_DATES_INVALID')) {
        assert.deepEqual([f.params.notBefore, f.params.notAfter], ['260924170957Z', '261324170957Z']);
        assert.match(en(f).explanation, /ends at “261324170957Z”, and at least one of these is not a valid date/);
        assert.ok(f.evidence.some((e) => e.endsWith('validity as written: notBefore "260924170957Z", notAfter "261324170957Z"')), f.evidence.join('\n'));
      }
      assert.equal(r.findings.filter((f) => f.code === 'INCOMING_FAILS_UNEXPLAINED').length, 0, 'the certificate finding explains receiving');
    },
  },
  // Issue 9: every incoming probe fails with codes no rule reads; one finding names them and claims no cause.
  'incoming-fails-unexplained': {
    focus: 'incomingUnexplainedRule',
    rules: { relayRule: ['SMTP_RELAY_DENIED:error'], portsRule: times(2, 'PORT_CLOSED:info'), incomingUnexplainedRule: ['INCOMING_FAILS_UNEXPLAINED:error'], recommend: HYBRID },
    findings: ['SMTP_RELAY_DENIED:error', 'INCOMING_FAILS_UNEXPLAINED:error', 'SPF_HYBRID_FAIL:warning', ...times(2, 'PORT_CLOSED:info'), 'HYBRID_RECOMMENDED:info'],
    status: { sending: 'works', receiving: 'fails' },
    exitCode: 1,
    also: (r) => {
      const [f] = only(r, 'INCOMING_FAILS_UNEXPLAINED');
      assert.deepEqual(f!.params.codes, ['CONNECTION_CLOSED', 'CONNECTION_RESET']);
      assert.equal(f!.params.count, 8);
      assert.equal(f!.probes.length, 8, 'every incoming probe');
      assert.equal(f!.evidence.length, 8, 'one line per endpoint: the error it ended with');
      const words = en(f!);
      assert.match(words.summary, /all 8 incoming servers tried: CONNECTION_CLOSED and CONNECTION_RESET/);
      assert.match(words.explanation, /not why: from this evidence the server, its configuration and something on the network between are all possible causes/);
    },
  },
};

function keys(findings: Array<{ code: string; severity: string }>): string[] {
  return findings.map((f) => `${f.code}:${f.severity}`);
}

/**
 * What a real probe result always looks like (runProbe, src/lib/probe.ts), so a hand-written one cannot drift
 * into a shape no probe produces. Checked on the recorded fixtures too, which keeps these checks honest.
 */
function shapeProblems(p: CheckProbe): string[] {
  const r = p.result;
  const bad: string[] = [];
  const expect = (ok: boolean, what: string): void => void (ok || bad.push(`${p.id}: ${what}`));
  const id = p.purpose === 'control' ? `control:${p.host}:${p.port}` : `${p.purpose}:${p.host}:${p.port}${p.withAuth ? ':auth' : ''}`;
  expect(p.id === id, `id should be ${id}`);
  expect(r.protocol === p.protocol && r.target.host === p.host && r.target.port === p.port, 'result is for another protocol or target');
  expect(r.ok === (r.error === undefined), 'ok exactly when there is no error');
  expect(p.purpose === 'control' ? p.protocol === 'tcp' && !p.withAuth : p.protocol !== 'tcp', 'only controls are bare TCP');
  expect(r.warnings.every((w) => Object.hasOwn(ERROR_CODES, w.code)), 'uncatalogued warning code');
  const times = r.transcript.map((e) => e.t);
  expect(times.every((t, i) => i === 0 || t >= times[i - 1]!), 'transcript times go backwards');
  const starts = r.phases.map((ph) => ph.startMs);
  expect(starts.every((t, i) => i === 0 || t >= starts[i - 1]!), 'phase starts go backwards');
  // A failed phase ends the script: it is the last phase and the error names it.
  const failed = r.phases.filter((ph) => !ph.ok);
  expect(failed.length === 0 || (failed.length === 1 && r.phases.at(-1) === failed[0] && r.error?.phase === failed[0]!.name), 'a failed phase that is not the last, or not the error\'s');
  const dialled = r.transcript.some((e) => e.dir === 'I' && e.line.startsWith(`connected to ${r.target.address}:${p.port}`));
  expect(connected(p) === dialled, 'a connect phase that succeeded ⇔ a "connected to" note');
  expect(connected(p) === (r.target.localAddress !== undefined), 'a local address exactly when connected');
  if (r.error) {
    expect(Object.hasOwn(ERROR_CODES, r.error.code), `uncatalogued error code ${r.error.code}`);
    const last = r.transcript.at(-1);
    expect(last?.dir === 'I' && last.line === `error ${r.error.code} in ${r.error.phase}: ${r.error.message}`, 'the transcript ends with the error note');
  }
  if (r.tls) expect(r.security === (r.tls.mode === 'implicit' ? 'tls' : 'starttls'), 'TLS facts and security disagree');
  if (r.ok && p.withAuth) expect(r.auth?.ok === true, 'a login probe that went through logged in');
  if (r.ok && p.relayTest) expect(r.relay !== undefined, 'a relay probe that went through has a relay outcome');
  return bad;
}

describe('report rules on derived fixtures (fixtures/reports/derived)', () => {
  it('has an expectation for every derived fixture, and a fixture for every expectation', () => {
    assert.deepEqual(DERIVED, Object.keys(EXPECTED).sort());
  });

  for (const name of DERIVED) {
    const expected = EXPECTED[name];
    describe(`${name}: ${readDerived(name).why}`, () => {
      it('is a recorded base, one line of why, and add/replace/remove/test operations', () => {
        const d = readDerived(name);
        assert.deepEqual(Object.keys(d).sort(), ['base', 'patches', 'why']);
        assert.ok(RECORDED.includes(d.base.replace(/\.json$/, '')), `base ${d.base} is not a recorded fixture`);
        assert.ok(d.why.length > 20 && !d.why.includes('\n'), 'why is one line');
        assert.ok(d.patches.length > 0);
        for (const op of d.patches) assert.ok(['add', 'replace', 'remove', 'test'].includes(op.op) && op.path.startsWith('/'), JSON.stringify(op));
      });

      it('keeps the shape of real probe results', () => {
        const facts = loadDerived(name);
        assert.deepEqual(facts.probes.flatMap(shapeProblems), []);
        assert.equal(new Set(facts.probes.map((p) => p.id)).size, facts.probes.length, 'probe ids are unique');
      });

      if (!expected) return;
      it(`${expected.focus} → ${[...new Set(expected.rules[expected.focus])].join(', ')}`, () => {
        const facts = deepFreeze(loadDerived(name));
        for (const rule of RULES) assert.deepEqual(keys(rule(facts)), expected.rules[rule.name as RuleName] ?? [], rule.name);
        assert.deepEqual(keys(recommend(facts).findings), expected.rules.recommend ?? [], 'recommend');
      });

      it(`buildReport → ${[...new Set(expected.findings)].join(', ')}`, () => {
        const facts = loadDerived(name);
        const report = buildReport(facts);
        assert.deepEqual(keys(report.findings), expected.findings);
        assert.deepEqual(report.status, expected.status);
        assert.equal(reportExitCode(report), expected.exitCode);
        const ids = new Set(facts.probes.map((p) => p.id));
        for (const f of report.findings) {
          for (const lang of LANGS) assert.ok(translator(lang).finding(f).summary && translator(lang).finding(f).explanation, `${f.code} has a summary and an explanation in ${lang}`);
          for (const id of f.probes) assert.ok(ids.has(id), `${f.code} cites probe ${id}, which is not in the facts`);
        }
        expected.also?.(report);
      });

      it('buildReport is pure: frozen input, deterministic output, every fact carried over', () => {
        const first = buildReport(deepFreeze(loadDerived(name)));
        assert.deepEqual(buildReport(deepFreeze(loadDerived(name))), first);
        const { findings: _f, recommendation: _r, status: _s, servers: _v, schemaVersion: _n, ...carried } = first;
        assert.deepEqual(carried, loadDerived(name));
      });
    });
  }
});

describe('probe results in every fixture keep the shape a probe produces', () => {
  for (const { label, load } of ALL_FIXTURES.filter((f) => f.label.startsWith('recorded/'))) {
    it(label, () => assert.deepEqual(load().probes.flatMap(shapeProblems), []));
  }
});

describe('every finding code has a fixture', () => {
  it('the findings of all fixtures, recorded and derived, cover FINDING_CODES', () => {
    const produced = new Set(ALL_FIXTURES.flatMap(({ load }) => buildReport(load()).findings.map((f) => f.code)));
    const missing = Object.keys(FINDING_CODES).filter((code) => !produced.has(code as keyof typeof FINDING_CODES));
    assert.deepEqual(missing, [], `no fixture produces ${missing.join(', ')}: record a scenario or add fixtures/reports/derived/<name>.json`);
  });
});

describe('fixtures/reports/derived: the JSON Patch applier (RFC 6902 subset)', () => {
  const doc = (): CheckFacts => ({ a: { 'b/c': 1, 'd~e': [1, 2, 3] } }) as unknown as CheckFacts;
  const apply = (ops: PatchOp[]) => applyPatch(doc(), ops);

  it('adds, replaces and removes members and array items; ~1 and ~0 escape / and ~; - appends', () => {
    assert.deepEqual(
      apply([
        { op: 'replace', path: '/a/b~1c', value: 2 },
        { op: 'add', path: '/a/d~0e/1', value: 9 },
        { op: 'add', path: '/a/d~0e/-', value: 4 },
        { op: 'remove', path: '/a/d~0e/0' },
        { op: 'add', path: '/a/x', value: { y: [] } },
        { op: 'test', path: '/a/x', value: { y: [] } },
      ]),
      { a: { 'b/c': 2, 'd~e': [9, 2, 3, 4], x: { y: [] } } },
    );
  });

  it('refuses a path that does not exist, and a test that does not hold', () => {
    assert.throws(() => apply([{ op: 'replace', path: '/a/nope', value: 1 }]), /no member nope/);
    assert.throws(() => apply([{ op: 'remove', path: '/a/d~0e/3' }]), /no index 3/);
    assert.throws(() => apply([{ op: 'add', path: '/z/y', value: 1 }]), /no z on the way/);
    assert.throws(() => apply([{ op: 'add', path: '/a/d~0e/01', value: 1 }]), /no index 01/);
    assert.throws(() => apply([{ op: 'test', path: '/a/b~1c', value: 2 }]), /not what the patch expects/);
    assert.throws(() => apply([{ op: 'move', path: '/a' } as unknown as PatchOp]), /unsupported op/);
  });

  it('does not share the patch values with the document', () => {
    const value = { y: [1] };
    const out = applyPatch(doc(), [{ op: 'add', path: '/a/x', value }]) as { a: { x: { y: number[] } } };
    out.a.x.y.push(2);
    assert.deepEqual(value, { y: [1] });
  });
});
