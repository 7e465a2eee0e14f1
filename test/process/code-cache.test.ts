/**
 * The built command line's code cache (src/cli/launch.ts), as a user meets it: a file in their cache directory
 * that makes the next start faster and is otherwise invisible. A run writes it when it has none or when it
 * compiled much more than the cache holds; a cache V8 refuses, a file that is not the user's own, a directory
 * that cannot be written, or MAILDOCTOR_NO_CODE_CACHE=1: the command works the same and says nothing.
 */
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureBuilt, runCli, STACK_TRACE, type Ran } from '../helpers/process/run.js';

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const HEADER = /^maildoctor-code-cache 1 (\{[^\n]*\})\n/;

describe('process tier: the code cache of the built CLI', function () {
  this.timeout(60_000);
  let home: string;
  before(() => ensureBuilt());
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'md-cache-'));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  const cacheDir = (): string => join(home, 'maildoctor');
  const cacheFiles = (): string[] => {
    try {
      return readdirSync(cacheDir()).map((f) => join(cacheDir(), f));
    } catch {
      return [];
    }
  };
  const only = (): string => {
    const files = cacheFiles();
    assert.equal(files.length, 1, `one cache file: ${files.join(', ')}`);
    return files[0]!;
  };
  const header = (file: string): { key: string; bytecode: number } => {
    const m = HEADER.exec(readFileSync(file, 'latin1'));
    assert.ok(m, 'the file starts with its header');
    return JSON.parse(m[1]!) as { key: string; bytecode: number };
  };
  /** The file's identity: a rewrite renames a new file into place. */
  const identity = (file: string): string => {
    const s = statSync(file);
    return `${s.ino} ${s.mtimeMs} ${s.size}`;
  };
  async function version(env: NodeJS.ProcessEnv = {}): Promise<Ran> {
    const r = await runCli(['--version'], { env: { XDG_CACHE_HOME: home, ...env } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), VERSION);
    assert.equal(r.stderr, '');
    return r;
  }

  it('the first run writes it, private to the user; the next run uses it and leaves it as it is', async () => {
    await version();
    const file = only();
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(statSync(cacheDir()).mode & 0o777, 0o700);
    const first = header(file);
    assert.match(first.key, new RegExp(`maildoctor\\.cjs \\d+ [\\d.]+ ${process.version.replace(/\./g, '\\.')} ${process.arch}$`));
    assert.ok(first.bytecode > 0);
    const before = identity(file);
    await version();
    await version();
    assert.equal(identity(file), before, 'an accepted cache that holds the run is not written again');
  });

  it('a run that compiles much more than the cache holds writes it again; the exit code is the command’s', async () => {
    await version();
    const small = header(only()).bytecode;
    // A usage error still loads the check command and its modules.
    const bad = await runCli(['check', 'a@b'], { env: { XDG_CACHE_HOME: home } });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^maildoctor: .*no dot/);
    assert.doesNotMatch(bad.stderr, STACK_TRACE);
    const grown = header(only()).bytecode;
    assert.ok(grown > small, `${grown} > ${small}`);
    const before = identity(only());
    await version();
    assert.equal(identity(only()), before, 'a run that needs less than the cache holds does not shrink it');
  });

  it('a cache V8 refuses, a header of another build, or a file that is not ours: the run compiles from source and replaces it', async () => {
    await version();
    const file = only();
    const good = readFileSync(file);
    const { key } = header(file);
    const m = HEADER.exec(good.toString('latin1'))!;
    const cases: Array<[string, () => void]> = [
      ['garbage after a valid header', () => writeFileSync(file, Buffer.concat([Buffer.from(m[0]), Buffer.from('not V8 code'.repeat(100))]), { mode: 0o600 })],
      ['the header of another build', () => writeFileSync(file, Buffer.concat([Buffer.from(m[0].replace(/ v\d+\.\d+\.\d+ /, ' v0.0.1 ')), good.subarray(m[0].length)]), { mode: 0o600 })],
      ['no header at all', () => writeFileSync(file, good.subarray(m[0].length), { mode: 0o600 })],
      ['a truncated file', () => writeFileSync(file, good.subarray(0, m[0].length + 100), { mode: 0o600 })],
      [
        'a file others may write',
        () => {
          writeFileSync(file, good);
          chmodSync(file, 0o666);
        },
      ],
    ];
    if (process.getuid?.() === 0) {
      cases.push([
        'a file of another user',
        () => {
          writeFileSync(file, good, { mode: 0o600 });
          chownSync(file, 65534, 65534);
        },
      ]);
    }
    for (const [what, spoil] of cases) {
      spoil();
      const spoiled = identity(file);
      await version();
      assert.notEqual(identity(file), spoiled, `${what}: replaced`);
      assert.equal(statSync(file).mode & 0o777, 0o600, what);
      assert.equal(statSync(file).uid, process.getuid?.() ?? statSync(file).uid, what);
      assert.equal(header(file).key, key, what);
      const replaced = identity(file);
      await version();
      assert.equal(identity(file), replaced, `${what}: the new cache is used`);
    }
  });

  it('MAILDOCTOR_NO_CODE_CACHE=1 writes nothing; a cache directory that cannot be made is no error', async () => {
    await version({ MAILDOCTOR_NO_CODE_CACHE: '1' });
    assert.deepEqual(cacheFiles(), []);
    // XDG_CACHE_HOME names a file: the directory cannot be created.
    const blocked = join(home, 'blocked');
    writeFileSync(blocked, '');
    await version({ XDG_CACHE_HOME: blocked });
    // A directory where the cache file should be: it cannot be read or replaced.
    await version();
    const file = only();
    rmSync(file);
    mkdirSync(file);
    await version();
    await version();
    assert.ok(statSync(file).isDirectory());
  });
});
