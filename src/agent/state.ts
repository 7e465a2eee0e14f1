/**
 * Per-network memory: for each network fingerprint, the last summary of every account and the last settings
 * that worked there; and per account, the last summary anywhere (what the next check is compared with).
 *
 * Written atomically (temp file, fsync, rename, fsync of the directory) so a crash or SIGTERM at any moment
 * leaves either the old file or the new one, never half of one. A corrupt file is set aside and the agent starts
 * with an empty memory; an unreadable or unwritable one is logged and counted; none of this stops the agent.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import type { Clock } from './clock.js';
import type { AccountSummary, NetworkLabel, WorkingSettings } from './summary.js';
import { compareText } from '../lib/text.js';

export const STATE_FILE = 'state.json';
export const STATE_VERSION = 1;
/** Networks remembered; the least recently seen is forgotten first (a traveller's laptop sees many). */
export const MAX_NETWORKS = 200;
/** Accounts per network entry kept (bounded against a config that keeps changing). */
const MAX_ACCOUNTS_PER_NETWORK = 50;

export interface NetworkMemory {
  firstSeen: string;
  lastSeen: string;
  label: NetworkLabel;
  accounts: Record<string, { last: AccountSummary; lastWorking?: WorkingSettings }>;
}

export interface AgentState {
  version: typeof STATE_VERSION;
  updatedAt: string;
  networks: Record<string, NetworkMemory>;
  /** Per account: the last summary on any network. */
  accounts: Record<string, { last: AccountSummary }>;
}

export type StateErrorOp = 'read' | 'parse' | 'write';

export interface StateEvents {
  /** A load or save problem: `code` is STATE_CORRUPT / STATE_UNREADABLE / STATE_UNWRITABLE. */
  onError(op: StateErrorOp, code: string, message: string, extra?: Record<string, unknown>): void;
  /** Scrub the serialised state before it is written (passwords). */
  redact?(text: string): string;
}

export function emptyState(now: string): AgentState {
  return { version: STATE_VERSION, updatedAt: now, networks: {}, accounts: {} };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isSummary(v: unknown): v is AccountSummary {
  return isObject(v) && typeof v.address === 'string' && isObject(v.status) && isObject(v.recommendation) && isObject(v.network);
}

/** Shape check of a parsed state file; entries that do not fit are dropped, a wrong document is refused. */
export function parseState(text: string): AgentState {
  const doc = JSON.parse(text) as unknown;
  if (!isObject(doc) || doc.version !== STATE_VERSION || !isObject(doc.networks) || !isObject(doc.accounts)) {
    throw new Error(`not a version ${STATE_VERSION} maildoctor agent state document`);
  }
  const out: AgentState = { version: STATE_VERSION, updatedAt: typeof doc.updatedAt === 'string' ? doc.updatedAt : '', networks: {}, accounts: {} };
  for (const [fp, n] of Object.entries(doc.networks)) {
    if (!isObject(n) || !isObject(n.accounts) || !isObject(n.label)) continue;
    const accounts: NetworkMemory['accounts'] = {};
    for (const [a, e] of Object.entries(n.accounts)) {
      if (isObject(e) && isSummary(e.last)) accounts[a] = { last: e.last, ...(isObject(e.lastWorking) ? { lastWorking: e.lastWorking as unknown as WorkingSettings } : {}) };
    }
    out.networks[fp] = { firstSeen: String(n.firstSeen ?? ''), lastSeen: String(n.lastSeen ?? ''), label: n.label as unknown as NetworkLabel, accounts };
  }
  for (const [a, e] of Object.entries(doc.accounts)) {
    if (isObject(e) && isSummary(e.last)) out.accounts[a] = { last: e.last };
  }
  return out;
}

/**
 * The state in memory plus its file. `record()` updates memory and schedules a write; writes never overlap and
 * coalesce (the last state wins); `flush()` waits for the file to hold everything recorded so far.
 */
export class StateStore {
  readonly file: string;
  #state: AgentState;
  #dirty = false;
  #writing: Promise<void> | undefined;
  #lastWriteOk = true;

  constructor(
    readonly dir: string,
    private readonly clock: Clock,
    private readonly events: StateEvents,
  ) {
    this.file = path.join(dir, STATE_FILE);
    this.#state = emptyState(new Date(clock.now()).toISOString());
  }

  get state(): Readonly<AgentState> {
    return this.#state;
  }

  /** Whether the last write reached the disk. */
  get healthy(): boolean {
    return this.#lastWriteOk;
  }

  /** Read the file. Missing: empty memory. Corrupt: set aside as `state.json.corrupt-<time>`, empty memory. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      this.events.onError('read', 'STATE_UNREADABLE', `cannot read ${this.file}: ${code ?? (err as Error).message}`, { file: this.file });
      return;
    }
    try {
      this.#state = parseState(text);
    } catch (err) {
      const aside = `${this.file}.corrupt-${new Date(this.clock.now()).toISOString().replace(/[:.]/g, '-')}`;
      let moved = false;
      try {
        await rename(this.file, aside);
        moved = true;
      } catch {
        // Could not move it (read-only directory?): the next successful write replaces it.
      }
      this.events.onError('parse', 'STATE_CORRUPT', `${this.file} is not a valid state file (${(err as Error).message})${moved ? `; set aside as ${aside}` : ''}`, {
        file: this.file,
        ...(moved ? { setAside: aside } : {}),
      });
    }
  }

  /** Remember an account's summary on a network. */
  record(summary: AccountSummary, working: WorkingSettings | undefined): void {
    const fp = summary.network.fingerprint;
    const now = summary.checkedAt;
    const s = this.#state;
    const net = (s.networks[fp] ??= { firstSeen: now, lastSeen: now, label: summary.network, accounts: {} });
    net.lastSeen = now;
    net.label = summary.network;
    const prev = net.accounts[summary.address];
    net.accounts[summary.address] = { last: summary, ...(working ? { lastWorking: working } : prev?.lastWorking ? { lastWorking: prev.lastWorking } : {}) };
    const names = Object.keys(net.accounts);
    if (names.length > MAX_ACCOUNTS_PER_NETWORK) {
      names.sort((a, b) => compareText(net.accounts[a]!.last.checkedAt, net.accounts[b]!.last.checkedAt));
      for (const a of names.slice(0, names.length - MAX_ACCOUNTS_PER_NETWORK)) delete net.accounts[a];
    }
    s.accounts[summary.address] = { last: summary };
    const fps = Object.keys(s.networks);
    if (fps.length > MAX_NETWORKS) {
      fps.sort((a, b) => compareText(s.networks[a]!.lastSeen, s.networks[b]!.lastSeen));
      for (const f of fps.slice(0, fps.length - MAX_NETWORKS)) delete s.networks[f];
    }
    s.updatedAt = now;
    this.scheduleSave();
  }

  /** Forget accounts that are no longer configured (their per-network history stays until evicted). */
  keepAccounts(addresses: string[]): void {
    for (const a of Object.keys(this.#state.accounts)) if (!addresses.includes(a)) delete this.#state.accounts[a];
  }

  lastSummary(address: string): AccountSummary | undefined {
    return this.#state.accounts[address]?.last;
  }

  lastWorking(fingerprint: string, address: string): WorkingSettings | undefined {
    return this.#state.networks[fingerprint]?.accounts[address]?.lastWorking;
  }

  scheduleSave(): void {
    this.#dirty = true;
    this.#writing ??= this.#writeLoop();
  }

  /** Resolves when everything recorded before the call is on disk (or failed to be, which was reported). */
  async flush(): Promise<void> {
    while (this.#writing) await this.#writing;
  }

  async #writeLoop(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        const text = `${JSON.stringify(this.#state, null, 1)}\n`;
        await this.#writeAtomically(this.events.redact ? this.events.redact(text) : text);
      }
    } finally {
      this.#writing = undefined;
    }
  }

  async #writeAtomically(text: string): Promise<void> {
    const tmp = `${this.file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const fh = await open(tmp, 'wx', 0o600);
      try {
        await fh.writeFile(text, 'utf8');
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.file);
      await syncDir(this.dir);
      this.#lastWriteOk = true;
    } catch (err) {
      this.#lastWriteOk = false;
      await rm(tmp, { force: true }).catch(() => undefined);
      this.events.onError('write', 'STATE_UNWRITABLE', `cannot write ${this.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { file: this.file });
    }
  }
}

/** fsync the directory so the rename itself is durable (POSIX); not possible on Windows, where it is skipped. */
async function syncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  let fh;
  try {
    fh = await open(dir, 'r');
    await fh.sync();
  } catch {
    // Some file systems refuse fsync on a directory; the data itself was synced.
  } finally {
    await fh?.close();
  }
}
