// The command line as one ESM bundle (dist/cli-bundle/), built from tsc's dist/cli/main.js with its dependencies.
// Every `maildoctor` run pays for loading its modules before it does any network work: a few hundred files,
// each resolved, read and compiled, cost ~35 ms of a check that takes ~250 ms (issue 13, bench/check.ts). The
// bundle keeps the CLI's lazy commands lazy (one chunk per dynamically imported command) and leaves dist/ as the
// library users import. Run by `npm run build` after tsc.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';

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

// Chunk names carry a content hash: a new build would otherwise leave the old chunks beside the new ones.
await rm('dist/cli-bundle', { recursive: true, force: true });
await build({
  entryPoints: ['dist/cli/main.js'],
  outdir: 'dist/cli-bundle',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // CommonJS dependencies bundled into ESM call require() for Node's built-ins.
  banner: { js: "import { createRequire as __maildoctorRequire } from 'node:module'; const require = __maildoctorRequire(import.meta.url);" },
  plugins: [bundleRequires],
  logLevel: 'warning',
});
