/**
 * The report builder's inputs, recorded and derived. Recorded facts (fixtures/reports/<scenario>.json) come from
 * real lab runs; derived facts (fixtures/reports/derived/<name>.json) are a recorded base plus a few JSON Patch
 * operations, each standing for one real situation the lab does not stage (its `why`). Loaded fresh on every
 * call: callers may freeze or mutate what they get.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CheckFacts, CheckReport } from '../../../src/report/types.js';
import { REPO_ROOT } from '../paths.js';

export const REPORTS_DIR = fileURLToPath(new URL('../../../fixtures/reports/', import.meta.url));
export const DERIVED_DIR = join(REPORTS_DIR, 'derived');

const jsonNames = (dir: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();

/** Scenario ids of the recorded fixtures, and names of the derived ones (file names without `.json`). */
export const RECORDED = jsonNames(REPORTS_DIR);
export const DERIVED = jsonNames(DERIVED_DIR);

export function loadRecorded(id: string): CheckFacts {
  return JSON.parse(readFileSync(join(REPORTS_DIR, `${id}.json`), 'utf8')) as CheckFacts;
}

/** One RFC 6902 operation; `test` guards a patch against a re-recorded base whose probes moved. */
export type PatchOp =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string };

export interface DerivedFixture {
  /** A recorded fixture's file name (`seed-hybrid.json`). */
  base: string;
  /** One line: what real situation this stands for. */
  why: string;
  patches: PatchOp[];
}

export function readDerived(name: string): DerivedFixture {
  return JSON.parse(readFileSync(join(DERIVED_DIR, `${name}.json`), 'utf8')) as DerivedFixture;
}

export function loadDerived(name: string): CheckFacts {
  const { base, patches } = readDerived(name);
  return applyPatch(JSON.parse(readFileSync(join(REPORTS_DIR, base), 'utf8')), patches) as CheckFacts;
}

/** Every fixture, recorded then derived, as `recorded/<id>` and `derived/<name>` with a loader. */
export const ALL_FIXTURES: Array<{ label: string; load: () => CheckFacts }> = [
  ...RECORDED.map((id) => ({ label: `recorded/${id}`, load: () => loadRecorded(id) })),
  ...DERIVED.map((name) => ({ label: `derived/${name}`, load: () => loadDerived(name) })),
];

/**
 * RFC 6902 JSON Patch, the subset fixtures need: add, replace, remove, test, with RFC 6901 pointers (`~1` is `/`,
 * `~0` is `~`, `-` appends to an array). Applies in place and returns the document; a path that does not exist
 * throws, so a patch written against another version of its base fails loudly instead of adding stray keys.
 */
export function applyPatch(doc: unknown, ops: PatchOp[]): unknown {
  for (const [n, op] of ops.entries()) {
    const where = `patch #${n} (${op.op} ${op.path})`;
    const keys = op.path.split('/').slice(1).map((k) => k.replaceAll('~1', '/').replaceAll('~0', '~'));
    const last = keys.pop();
    if (!op.path.startsWith('/') || last === undefined) throw new Error(`${where}: the path must point inside the document`);
    const parent = keys.reduce<any>((node, k) => {
      if (node === null || typeof node !== 'object' || !Object.hasOwn(node, k)) throw new Error(`${where}: no ${k} on the way`);
      return node[k];
    }, doc);
    const isArray = Array.isArray(parent);
    const index = last === '-' && op.op === 'add' && isArray ? parent.length : Number(last);
    if (isArray && !(/^(0|[1-9][0-9]*|-)$/.test(last) && index <= parent.length - (op.op === 'add' ? 0 : 1))) throw new Error(`${where}: no index ${last}`);
    if (!isArray && op.op !== 'add' && !Object.hasOwn(parent, last)) throw new Error(`${where}: no member ${last}`);
    if (op.op === 'test') assert.deepStrictEqual(isArray ? parent[index] : parent[last], op.value, `${where}: the base is not what the patch expects`);
    else if (op.op === 'remove') isArray ? parent.splice(index, 1) : delete parent[last];
    else if (op.op === 'add' && isArray) parent.splice(index, 0, structuredClone(op.value));
    else if (op.op === 'add' || op.op === 'replace') isArray ? (parent[index] = structuredClone(op.value)) : (parent[last] = structuredClone(op.value));
    else throw new Error(`${where}: unsupported op`);
  }
  return doc;
}

/** Freeze an object graph, so that any write by the code under test throws (ESM code is strict). */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

// From a `maildoctor check --json` report to the recorded facts (what the lab's fixture recorder writes):
// the report minus what the report builder derives from the facts (findings, recommendation, status, servers,
// schemaVersion). The rule tests rebuild the report from them.

export function reportFixturePath(id: string): string {
  return join(REPORTS_DIR, `${id}.json`);
}

/** The facts of a report: everything `buildReport()` takes. */
export function factsOf(report: CheckReport): CheckFacts {
  const { findings: _f, recommendation: _r, status: _s, servers: _v, schemaVersion: _n, ...facts } = report;
  return facts;
}

/**
 * Why a text may not be written to a fixture: a secret, or a path of this machine (temp dirs, the checkout).
 * Returns the reasons; empty when the text is fine.
 */
export function unfitForFixture(text: string, secrets: string[]): string[] {
  const reasons: string[] = [];
  for (const s of secrets) if (s && text.includes(s)) reasons.push('contains a password');
  if (text.includes(REPO_ROOT.replace(/\/$/, ''))) reasons.push('contains the checkout path');
  if (/(^|[^\w])\/(tmp|home|root|var|etc|work)\//.test(text)) reasons.push('contains a machine path');
  return reasons;
}
