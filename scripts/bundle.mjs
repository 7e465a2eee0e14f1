// The command line as one CommonJS file (dist/cli-bundle/maildoctor.cjs), built from tsc's dist/cli/main.js
// with its dependencies; bin/maildoctor.js runs it through src/cli/launch.ts with a V8 code cache. Every
// `maildoctor` run pays for its code before it does any network work: a few hundred files resolved, read and
// compiled cost more than the check's own work on a small machine (issue 13, bench/check.ts). One file loads
// with one read, and CommonJS is what Node 20 can compile from a code cache (ES modules it cannot). Modules
// stay lazy inside the file: a command's code runs when the command is chosen. dist/ stays the library that
// users import. Run by `npm run build` after tsc.
import { build } from 'esbuild';
import { readFile, rm, writeFile } from 'node:fs/promises';

const OUT = 'dist/cli-bundle/maildoctor.cjs';

/** `createRequire(import.meta.url)('x')` (how the sources load CommonJS dependencies cheaply) as `require('x')`, which esbuild bundles. */
const bundleRequires = {
  name: 'bundle-created-requires',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/].*\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return { contents: source.replace(/createRequire\(import\.meta\.url\)\(/g, 'require('), loader: 'js' };
    });
  },
};

await rm('dist/cli-bundle', { recursive: true, force: true });
await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: OUT,
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node20',
  // import() of a module in the file becomes a lazy require: the command's code is evaluated when it is chosen.
  supported: { 'dynamic-import': false },
  // The sources find files next to them (package.json) through import.meta.url: the bundle's own URL, which
  // sits as deep under the package as dist/cli/ does.
  define: { 'import.meta.url': '__maildoctorBundleUrl' },
  banner: { js: "const __maildoctorBundleUrl = require('node:url').pathToFileURL(__filename).href;" },
  charset: 'ascii',
  plugins: [bundleRequires],
  logLevel: 'warning',
});

// esbuild escapes every non-ASCII character of the code (charset: 'ascii') but keeps comments as written. An
// ASCII file is a one-byte string in V8: the launcher reads it as latin1, several times faster than UTF-8.
const text = await readFile(OUT, 'utf8');
// eslint-disable-next-line no-control-regex
const ascii = text.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
if (ascii !== text) await writeFile(OUT, ascii);
