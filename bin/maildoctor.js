#!/usr/bin/env node
// Thin launcher: the CLI lives in the library build (dist/), compiled by `npm ci` (prepare script).
import { run } from '../dist/cli/main.js';

process.exitCode = await run(process.argv.slice(2));
