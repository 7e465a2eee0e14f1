/**
 * The map of docs/ARCHITECTURE.md, checked: src/ has no import cycle, and no folder imports a folder above it
 * (issue 12). Every import counts: those that run (`import`, `export … from`, `import()`) and those the compiler
 * erases (`import type`, `export type … from`), for a type-only cycle or upward type import still ties the
 * modules together: a declaration in the wrong place shows in the library's .d.ts and in every change.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SRC = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

/**
 * The layers, lowest first; a folder imports only folders of a lower layer. Folders of one layer are peers and
 * do not import each other. `index` is src/index.ts, the public barrel.
 */
const LAYERS: string[][] = [
  ['lib'],
  ['i18n'],
  ['lookup', 'probes', 'thunderbird'],
  ['discovery'],
  ['network'],
  ['report'],
  ['check'],
  ['agent'],
  ['exporter'],
  ['cli'],
  ['index'],
];
const RANK = new Map(LAYERS.flatMap((folders, rank) => folders.map((f) => [f, rank] as const)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Relative imports of a file, type-only ones too, as source paths (`./x.js` → `x.ts`). */
function importsOf(file: string, text = readFileSync(file, 'utf8')): string[] {
  const out: string[] = [];
  const statements = /^(?:import|export)\b[^;]*?\bfrom\s*['"](\.{1,2}\/[^'"]+)['"]|^import\s*['"](\.{1,2}\/[^'"]+)['"]|\bimport\s*\(\s*['"](\.{1,2}\/[^'"]+)['"]/gms;
  for (const m of text.matchAll(statements)) {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    out.push(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
  }
  return out;
}

/** The folder of a source file under src/ (`index` for src/index.ts). */
function folderOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? 'index' : rel[0]!;
}

/** Imports from a folder into one of the same or a higher layer (a peer or above), as `from → to`. */
function upward(graph: Map<string, string[]>, folder: (f: string) => string): string[] {
  const wrong: string[] = [];
  for (const [f, deps] of graph) {
    for (const d of deps) {
      const from = folder(f);
      const to = folder(d);
      if (to !== from && RANK.get(to)! >= RANK.get(from)!) wrong.push(`${f} → ${d}`);
    }
  }
  return wrong;
}

/** Every import cycle a depth-first walk meets, as `a → b → a`. */
function cycles(graph: Map<string, string[]>): string[] {
  const state = new Map<string, 'open' | 'done'>();
  const out: string[] = [];
  const visit = (f: string, stack: string[]): void => {
    if (state.get(f) === 'done') return;
    if (state.get(f) === 'open') {
      out.push([...stack.slice(stack.indexOf(f)), f].join(' → '));
      return;
    }
    state.set(f, 'open');
    for (const d of graph.get(f) ?? []) visit(d, [...stack, f]);
    state.set(f, 'done');
  };
  for (const f of graph.keys()) visit(f, []);
  return out;
}

describe('architecture: the layers of src/', () => {
  const files = sourceFiles(SRC);
  const rel = (f: string): string => path.relative(SRC, f);
  const graph = new Map(files.map((f) => [rel(f), importsOf(f).map(rel)]));
  const folder = (r: string): string => folderOf(path.join(SRC, r));

  it('every folder has a layer, and every import names a file that exists', () => {
    for (const f of graph.keys()) assert.ok(RANK.has(folder(f)), `${f}: folder ${folder(f)} has no layer in LAYERS`);
    for (const [f, deps] of graph) for (const d of deps) assert.ok(graph.has(d), `${f} imports ${d}, which is not a source file`);
  });

  it('no folder imports a folder above it or beside it', () => {
    assert.deepEqual(upward(graph, folder), []);
  });

  it('has no import cycle', () => {
    assert.deepEqual(cycles(graph), []);
  });

  it('the checks see a cycle and an upward import when there is one', () => {
    const fake = new Map([
      ['lookup/a.ts', ['discovery/b.ts']],
      ['discovery/b.ts', ['lookup/a.ts']],
    ]);
    assert.deepEqual(cycles(fake), ['lookup/a.ts → discovery/b.ts → lookup/a.ts']);
    assert.deepEqual(upward(fake, folder), ['lookup/a.ts → discovery/b.ts']);
  });

  it('counts type-only imports and re-exports: a cycle of types alone, or a type imported from above, fails', () => {
    const a = path.join(SRC, 'lib/a.ts');
    const b = path.join(SRC, 'lib/b.ts');
    const sources = new Map([
      [a, "import type { B } from './b.js';\nexport type { Lang } from '../i18n/types.js';\n"],
      [b, "import {\n  type A,\n  type C,\n} from './a.js';\nexport type * from './c.js';\n"],
    ]);
    const fake = new Map([...sources].map(([f, text]) => [rel(f), importsOf(f, text).map(rel)]));
    assert.deepEqual(fake, new Map([
      ['lib/a.ts', ['lib/b.ts', 'i18n/types.ts']],
      ['lib/b.ts', ['lib/a.ts', 'lib/c.ts']],
    ]));
    assert.deepEqual(cycles(fake), ['lib/a.ts → lib/b.ts → lib/a.ts']);
    assert.deepEqual(upward(fake, folder), ['lib/a.ts → i18n/types.ts']);
  });
});
