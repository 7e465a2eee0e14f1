/** Where the checkout is, for helpers that spawn scripts or read fixtures (no other dependency, so pure tests can use it). */
import { fileURLToPath } from 'node:url';

/** The repository root, with a trailing slash: cwd of every process the lab starts (so `--import tsx` and relative paths resolve). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
