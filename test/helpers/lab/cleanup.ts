/**
 * Remove labs left behind by runs that were killed (see cleanupStaleLabs in lab.ts): `npx tsx test/helpers/lab/cleanup.ts`.
 * Labs of processes that still run are left alone.
 */
import { cleanupStaleLabs } from './lab.js';

const removed = await cleanupStaleLabs();
if (removed.length) process.stderr.write(`removed stale lab namespaces: ${removed.join(', ')}\n`);
