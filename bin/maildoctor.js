#!/usr/bin/env node
// Thin launcher: the command line is one bundle of the library build (dist/cli-bundle/, scripts/bundle.mjs),
// compiled with a code cache by dist/cli/launch.js (src/cli/launch.ts); both are built by `npm ci` (prepare script).
import { fileURLToPath } from 'node:url';
import { launch } from '../dist/cli/launch.js';

process.exitCode = await launch(fileURLToPath(new URL('../dist/cli-bundle/maildoctor.cjs', import.meta.url)), process.argv.slice(2));
