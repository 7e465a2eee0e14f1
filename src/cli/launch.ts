/**
 * What bin/maildoctor.js runs: the command line's one-file bundle (dist/cli-bundle/maildoctor.cjs, built by
 * scripts/bundle.mjs), compiled with a V8 code cache from the previous run.
 *
 * Every run used to spend a quarter of a check compiling its own code: the bundle's modules parsed and the
 * functions a check calls compiled again, ~90 ms of one core on a small machine (issue 13, bench/check.ts).
 * Node 20 caches no compiled code for ES modules, so the bundle is CommonJS and compiled here through
 * `vm.Script` with V8's `cachedData`; after a run that compiled code the cache does not hold yet, the compiled
 * code is written back for the next run.
 *
 * The cache is an optimisation and nothing else: one file in the user's cache directory
 * (src/agent/paths.ts `defaultCacheDir`), read only when it is the user's own and nobody else may write it,
 * and only for the same bundle and the same Node; a cache V8 refuses, a broken or foreign file, a directory
 * that cannot be written: the run compiles from source as it would without one, and says nothing.
 * `MAILDOCTOR_NO_CODE_CACHE=1` turns it off.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { defaultCacheDir } from '../agent/paths.js';

/** The bundle's exports that the launcher uses. */
interface CliBundle {
  run(argv: string[]): Promise<number>;
}

/** Commands that run until stopped: their start-up is paid once, and their end is no time to write files. */
const LONG_RUNNING = new Set(['agent', 'exporter']);
/** First line of a cache file: the format, then JSON naming what the compiled code is of. */
const MAGIC = 'maildoctor-code-cache 1 ';
/** Less new bytecode than this (or a tenth of the cache) is not worth writing the cache again. */
const MIN_GROWTH_BYTES = 32_768;
/** A header longer than this is no header of ours. */
const MAX_HEADER_BYTES = 4_096;

interface CacheHeader {
  /** The bundle (its path, size and time) and the Node that compiled it. */
  key: string;
  /** V8's bytecode size when the cache was written: how much compiled code it holds. */
  bytecode: number;
}

interface CacheFile {
  header: CacheHeader;
  data: Buffer;
}

/** Runs the command line in `bundle` with `argv`; resolves with its exit code. */
export async function launch(bundle: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // The bundle is ASCII (scripts/bundle.mjs makes sure): read as latin1 it is a one-byte string, which V8 reads
  // faster and Node decodes in a fraction of the UTF-8 time.
  const fd = openSync(bundle, 'r');
  let source: string;
  let stat: Stats;
  try {
    stat = fstatSync(fd);
    source = readFileSync(fd, 'latin1');
  } finally {
    closeSync(fd);
  }
  const cache = codeCacheOf(bundle, stat, env);
  const cached = cache ? readCache(cache.file, cache.key) : undefined;
  const script = new vm.Script(wrap(source), { filename: bundle, ...(cached ? { cachedData: cached.data } : {}) });
  const accepted = cached !== undefined && !script.cachedDataRejected;
  const exports = load(script, bundle);
  const code = await exports.run(argv);
  if (cache && !argv.some((a) => LONG_RUNNING.has(a))) {
    // A run that compiled much more than the cache holds (the first check after `--help`, say) writes it again;
    // the new cache holds what the old one did and what this run added.
    const bytecode = v8.getHeapCodeStatistics().bytecode_and_metadata_size;
    const held = accepted ? cached.header.bytecode : 0;
    if (bytecode > held + Math.max(MIN_GROWTH_BYTES, held / 10)) writeCache(cache.file, { key: cache.key, bytecode }, script);
  }
  return code;
}

/** CommonJS's module wrapper: the bundle is a CommonJS module. */
function wrap(source: string): string {
  return `(function (exports, require, module, __filename, __dirname) { ${source}\n})`;
}

function load(script: vm.Script, bundle: string): CliBundle {
  const module = { exports: {} as CliBundle };
  const fn = script.runInThisContext() as (e: object, r: NodeRequire, m: object, f: string, d: string) => void;
  fn.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
  return module.exports;
}

/** Where this bundle's cache lives and the key it must carry, or undefined when caching is off. */
function codeCacheOf(bundle: string, stat: Stats, env: NodeJS.ProcessEnv): { file: string; key: string } | undefined {
  if (env.MAILDOCTOR_NO_CODE_CACHE && env.MAILDOCTOR_NO_CODE_CACHE !== '0') return undefined;
  // One file per installed bundle; a rebuild or another Node replaces it (the key no longer matches).
  const id = createHash('sha256').update(bundle).digest('hex').slice(0, 16);
  return {
    file: join(defaultCacheDir({ env }), `cli-${id}.v8`),
    key: `${bundle} ${stat.size} ${stat.mtimeMs} ${process.version} ${process.arch}`,
  };
}

/** The cache file when it is ours, sound, and of this bundle; undefined otherwise. */
function readCache(file: string, key: string): CacheFile | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, 'r');
    const stat = fstatSync(fd);
    // Compiled code is code: only the user's own file, that nobody else may write, is run.
    const uid = process.getuid?.();
    if (!stat.isFile() || (uid !== undefined && stat.uid !== uid) || (process.platform !== 'win32' && (stat.mode & 0o022) !== 0)) return undefined;
    const bytes = readFileSync(fd);
    const newline = bytes.subarray(0, MAX_HEADER_BYTES).indexOf(10);
    if (newline < 0) return undefined;
    const line = bytes.subarray(0, newline).toString('utf8');
    if (!line.startsWith(MAGIC)) return undefined;
    const header = JSON.parse(line.slice(MAGIC.length)) as Partial<CacheHeader>;
    if (header.key !== key || typeof header.bytecode !== 'number' || !Number.isFinite(header.bytecode)) return undefined;
    return { header: { key, bytecode: header.bytecode }, data: bytes.subarray(newline + 1) };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Writes the compiled code beside a header, atomically (a reader sees the old file or the new one). */
function writeCache(file: string, header: CacheHeader, script: vm.Script): void {
  const temp = `${file}.${process.pid}.tmp`;
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(temp, Buffer.concat([Buffer.from(`${MAGIC}${JSON.stringify(header)}\n`), script.createCachedData()]), { mode: 0o600 });
    renameSync(temp, file);
  } catch {
    try {
      unlinkSync(temp);
    } catch {
      // Nothing was written.
    }
  }
}
