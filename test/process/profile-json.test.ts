/**
 * `check --thunderbird-profile DIR --json` as a user runs it: the BUILT CLI in a namespace whose resolver refuses
 * every name outside its zone, so each check ends fast with a verdict. A profile with several addresses prints
 * ONE document (docs/profile-check.schema.json: a report per address and the exit code), never a bare array;
 * a profile with one address prints that address's report alone, as `check ADDRESS --json` does.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type AnySchemaObject } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { ensureBuilt, ROOT, runCli, STACK_TRACE } from '../helpers/process/run.js';

const ARGS = ['--json', '--no-controls', '--no-ispdb', '--timeout', '15000'];

function schemas(): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv, ['date-time']);
  for (const file of ['check-report.schema.json', 'profile-check.schema.json']) ajv.addSchema(JSON.parse(readFileSync(join(ROOT, 'docs', file), 'utf8')) as AnySchemaObject);
  return ajv;
}

describe('process tier: check --thunderbird-profile --json', function () {
  this.timeout(120_000);
  before(function () {
    if (process.getuid?.() !== 0) this.skip();
    ensureBuilt();
  });

  it('a profile with two addresses: one document with both reports and the exit code, valid against its schema', async () => {
    const dir = join(ROOT, 'fixtures', 'thunderbird', 'two-addresses');
    const r = await runCli(['check', '--thunderbird-profile', dir, ...ARGS], { resolver: 'refused' });
    assert.doesNotMatch(r.stderr, STACK_TRACE, r.stderr);
    assert.equal(r.code, 1, `nothing resolves, so both checks find problems\n${r.stderr}`);
    const doc = JSON.parse(r.stdout) as { kind: string; schemaVersion: number; profile: string; exitCode: number; reports: Array<{ address: string; configured?: unknown[] }> };
    const validate = schemas().getSchema('urn:maildoctor:profile-check:1')!;
    assert.ok(validate(doc), JSON.stringify(validate.errors?.slice(0, 5)));
    assert.equal(doc.kind, 'thunderbird-profile');
    assert.equal(doc.profile, dir);
    assert.equal(doc.exitCode, r.code, 'the document says what the exit code says');
    assert.deepEqual(doc.reports.map((x) => x.address), ['pippo@disney.test', 'paperino@disney.test']);
    for (const report of doc.reports) assert.ok(report.configured?.length, `${report.address}: the profile's servers were tried`);
  });

  it('a profile with one address: that address’s report alone, as before', async () => {
    const r = await runCli(['check', '--thunderbird-profile', join(ROOT, 'fixtures', 'thunderbird', 'root'), ...ARGS], { resolver: 'refused' });
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { schemaVersion: number; address: string };
    assert.ok(schemas().getSchema('urn:maildoctor:check-report:2')!(report));
    assert.equal(report.address, 'pippo@disney.test');
  });
});
