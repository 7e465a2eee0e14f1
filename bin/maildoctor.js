#!/usr/bin/env node
// Thin launcher: the CLI is the bundle of the library build (dist/cli-bundle/, scripts/bundle.mjs), built by `npm ci` (prepare script).
import { run } from '../dist/cli-bundle/main.js';

process.exitCode = await run(process.argv.slice(2));
