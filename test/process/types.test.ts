/**
 * The published library as a strict TypeScript user compiles it (issue 9): `tsc --strict`, NodeNext,
 * skipLibCheck false, against the BUILT declarations through a `maildoctor` package link. The README's
 * example must compile, ProbeResult is discriminated by `ok`, agent events are typed, and the source maps
 * point at nothing the package does not ship.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, ROOT } from '../helpers/process/run.js';

const CONSUMER = `
import { probeSmtp, networkIdentity, type AgentHandle, type ProbeResult } from 'maildoctor';

// The README's example, as written there.
const r = await probeSmtp({ host: 'smtp.example.com', port: 587 }, { starttls: 'required', timeoutMs: 10_000 });
if (!r.ok) console.log(r.error.code, r.error.phase, r.error.reply);

// ok narrows: a success has no error.
function codeOf(p: ProbeResult): string {
  return p.ok ? 'ok' : p.error.code;
}
console.log(codeOf(r));

// networkIdentity takes its resolver option.
const id = await networkIdentity({ dns: '192.0.2.53' });
console.log(id.fingerprint);

// Agent events carry their payload types.
declare const agent: AgentHandle;
agent.events.on('run-end', (e) => {
  const id: number = e.id;
  const aborted: boolean = e.aborted;
  console.log(id, aborted);
});
`;

function jsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? jsFiles(join(dir, e.name)) : e.name.endsWith('.js.map') ? [join(dir, e.name)] : []));
}

describe('published types, as a strict TypeScript user compiles them', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => {
    ensureBuilt();
    dir = mkdtempSync(join(tmpdir(), 'md-types-'));
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'maildoctor'));
    symlinkSync(join(ROOT, 'node_modules', '@types'), join(dir, 'node_modules', '@types'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', skipLibCheck: false, noEmit: true, types: ['node'] }, include: ['main.ts'] }));
    writeFileSync(join(dir, 'main.ts'), CONSUMER);
  });
  after(() => dir && rmSync(dir, { recursive: true, force: true }));

  it('the README example and typed results, events and options compile under --strict with skipLibCheck false', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, `tsc:\n${r.stdout}${r.stderr}`);
  });

  it('a success cannot be read as a failure: error is absent from the ok branch', () => {
    writeFileSync(join(dir, 'main.ts'), `import type { ProbeResult } from 'maildoctor';\ndeclare const p: ProbeResult;\nif (p.ok) { const c: string = p.error.code; console.log(c); }\n`);
    const r = spawnSync(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', dir], { encoding: 'utf8' });
    assert.notEqual(r.status, 0, 'tsc accepted p.error.code on an ok result');
    assert.match(r.stdout, /error TS/);
    writeFileSync(join(dir, 'main.ts'), CONSUMER);
  });

  it('every source map carries its sources: none points at src/, which the package does not ship', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[] };
    assert.ok(!pkg.files.includes('src'));
    const maps = jsFiles(join(ROOT, 'dist'));
    assert.ok(maps.length > 10);
    for (const m of maps) {
      const map = JSON.parse(readFileSync(m, 'utf8')) as { sources: string[]; sourcesContent?: Array<string | null> };
      assert.equal(map.sourcesContent?.length, map.sources.length, `${m}: sources without their content`);
      assert.ok(map.sourcesContent!.every((c) => typeof c === 'string' && c.length > 0), m);
    }
  });
});
