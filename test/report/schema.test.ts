/**
 * docs/check-report.schema.json against the reports the builder really makes: every recorded and derived fixture
 * validates, every field a report carries is described, and the schema's code lists are the catalogue's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv2020, type AnySchemaObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ERROR_CODES, FINDING_CODES } from '../../src/lib/codes.js';
import { buildReport } from '../../src/report/index.js';
import { REPORT_SCHEMA_VERSION } from '../../src/report/types.js';
import { readThunderbirdProfile } from '../../src/thunderbird/profile.js';
import { ALL_FIXTURES, loadRecorded } from '../helpers/report/fixtures.js';

const DOCS = new URL('../../docs/', import.meta.url);
const SCHEMA = JSON.parse(readFileSync(new URL('check-report.schema.json', DOCS), 'utf8')) as AnySchemaObject;

function compile(schema: AnySchemaObject): ValidateFunction {
  // strict: an unknown keyword or a `required` name with no property is a schema bug, not something to ignore.
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv, ['date-time']);
  return ajv.compile(schema);
}

/**
 * The schema with `additionalProperties: false` wherever it does not say otherwise: a report member the schema
 * does not describe then fails. Consumers get the open schema (fields are added within a version); the tests
 * get this one, so the schema cannot fall behind the code. `network` and `discovery` stay open on purpose.
 */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (!node || typeof node !== 'object') return node;
  const out = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closed(v)]));
  if ('properties' in out && !('additionalProperties' in out)) out['additionalProperties'] = false;
  return out;
}

function problems(validate: ValidateFunction, data: unknown): string[] {
  return validate(data) ? [] : (validate.errors ?? []).slice(0, 10).map((e) => `${e.instancePath || '/'} ${e.message} ${JSON.stringify(e.params)}`);
}

describe('docs/check-report.schema.json', () => {
  const validate = compile(SCHEMA);
  const validateClosed = compile(closed(SCHEMA) as AnySchemaObject);

  it('is a draft 2020-12 schema of the report’s schemaVersion', () => {
    assert.equal(SCHEMA['$schema'], 'https://json-schema.org/draft/2020-12/schema');
    assert.equal(SCHEMA['properties'].schemaVersion.const, REPORT_SCHEMA_VERSION);
  });

  it('lists exactly the catalogue’s codes (src/lib/codes.ts), in its order', () => {
    assert.deepEqual(SCHEMA['$defs'].FindingCode.enum, Object.keys(FINDING_CODES));
    assert.deepEqual(SCHEMA['$defs'].ErrorCode.enum, Object.keys(ERROR_CODES));
  });

  it('validates a --thunderbird-profile report: the profile’s servers, their probes and verdicts, every member described', async () => {
    // seed-hybrid as if checked with the fixture profile: its configured servers, probed like the matching outgoing/incoming probes.
    const facts = loadRecorded('seed-hybrid');
    const profile = await readThunderbirdProfile(fileURLToPath(new URL('../../fixtures/thunderbird/root/', import.meta.url)));
    facts.clientSettings = profile.servers;
    for (const c of profile.servers) {
      const like = facts.probes.find((p) => p.host === c.host && p.port === c.port && (p.purpose === 'incoming' || p.purpose === 'outgoing'));
      assert.ok(like, `${c.host}:${c.port} is probed in seed-hybrid`);
      facts.probes.push({ ...like, purpose: 'configured', sources: ['thunderbird'], id: like.id.replace(/^\w+:/, 'configured:') });
    }
    const report = JSON.parse(JSON.stringify(buildReport(facts)));
    assert.deepEqual(report.configured.map((c: { works: string }) => c.works), ['yes', 'no', 'yes']);
    assert.deepEqual(problems(validate, report), []);
    assert.deepEqual(problems(validateClosed, report), [], 'a member the schema does not describe');
  });

  for (const { label, load } of ALL_FIXTURES) {
    it(`validates buildReport() of ${label}, every member described`, () => {
      const report = JSON.parse(JSON.stringify(buildReport(load())));
      assert.deepEqual(problems(validate, report), []);
      assert.deepEqual(problems(validateClosed, report), [], 'a member the schema does not describe');
    });
  }

  describe('rejects what is not a report', () => {
    const report = (): Record<string, any> => JSON.parse(JSON.stringify(buildReport(loadRecorded('seed-hybrid'))));

    it('a recommendation without `hybrid`', () => {
      const r = report();
      delete r['recommendation'].hybrid;
      assert.deepEqual(problems(validate, r), ['/recommendation must have required property \'hybrid\' {"missingProperty":"hybrid"}']);
    });

    it('an uncatalogued finding code, an unknown severity, another schema version', () => {
      const r = report();
      r['findings'][0].code = 'SOMETHING_NEW';
      r['findings'][0].severity = 'fatal';
      r['schemaVersion'] = 1;
      const paths = problems(validate, r).map((p) => p.split(' ')[0]);
      assert.ok(paths.includes('/findings/0/code') && paths.includes('/findings/0/severity') && paths.includes('/schemaVersion'), paths.join(', '));
    });

    it('a member the schema does not describe, in the closed form the tests use (the open form accepts it)', () => {
      const r = report();
      r['findings'][0].confidence = 0.9;
      assert.deepEqual(problems(validate, r), []);
      assert.deepEqual(problems(validateClosed, r), ['/findings/0 must NOT have additional properties {"additionalProperty":"confidence"}']);
    });

    it('a probe error whose code is not an error code, and a malformed timestamp', () => {
      const r = report();
      const failed = r['probes'].find((p: { result: { error?: unknown } }) => p.result.error);
      failed.result.error.code = 'NOPE';
      r['startedAt'] = 'yesterday';
      const paths = problems(validate, r).map((p) => p.split(' ')[0]);
      assert.ok(paths.some((p) => /^\/probes\/\d+\/result\/error\/code$/.test(p)) && paths.includes('/startedAt'), paths.join(', '));
    });
  });

  it('is linked from docs/check-report.md', () => {
    assert.match(readFileSync(new URL('check-report.md', DOCS), 'utf8'), /\(check-report\.schema\.json\)/);
  });
});
