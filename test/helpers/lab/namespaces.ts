/**
 * The lab's topology and its cleanup: network namespaces, the router's bridges, the hosts' veth pairs and
 * addresses, and the removal of namespaces (a process-exit safety net, and {@link cleanupStaleLabs} for what a
 * killed run left behind). Names are `md<pid>-<role>` or, for a second lab of the same process,
 * `md<pid>_<n>-<role>`. Needs root.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Attachment, SegmentSpec } from './types.js';

export const run = promisify(execFile);

/** `ip netns exec NAME` bind-mounts the files of this directory over /etc (resolv.conf). */
export const NETNS_ETC = '/etc/netns';
/** Lab namespaces: `md<pid>-<role>` or, for a second lab of the same process, `md<pid>_<n>-<role>`. */
const NAME_PATTERN = /^md(\d+)(?:_\d+)?-[a-z0-9]+$/;

export function ip(...args: string[]): Promise<unknown> {
  return run('ip', args).catch((err: { stderr?: string; message: string }) => {
    throw new Error(`ip ${args.join(' ')}: ${err.stderr?.trim() || err.message}`);
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Building

/** A namespace with no interfaces but `lo`; IPv6 off so interface lists are the same every run. */
export async function createNamespace(name: string): Promise<void> {
  await ip('netns', 'add', name);
  await run('ip', ['netns', 'exec', name, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1']);
  await ip('-n', name, 'link', 'set', 'lo', 'up');
}

/** A segment's bridge in the router namespace, with the router's address on it. */
export async function addBridge(router: string, name: string, spec: SegmentSpec): Promise<void> {
  const bridge = `br-${name}`.slice(0, 15);
  await ip('-n', router, 'link', 'add', bridge, 'type', 'bridge');
  await ip('-n', router, 'addr', 'add', `${spec.routerAddress}/${spec.prefix}`, 'dev', bridge);
  await ip('-n', router, 'link', 'set', bridge, 'up');
}

const portOf = (role: string): string => `v-${role}`.slice(0, 15);

/** The veth pair of a host: `eth0` in its namespace, `v-<role>` in the router's. */
export async function addVeth(router: string, role: string, name: string, mac?: string): Promise<void> {
  const port = portOf(role);
  await ip('-n', router, 'link', 'add', port, 'type', 'veth', 'peer', 'name', 'eth0', ...(mac ? ['address', mac] : []), 'netns', name);
  await ip('-n', router, 'link', 'set', port, 'up');
}

/** Where a host is plugged: `where`, with the segment's prefix and gateway and the previous resolvers by default. */
export function attachmentOf(spec: SegmentSpec, where: Partial<Attachment> & { segment: string; address: string }, previous?: Attachment): Attachment {
  return {
    segment: where.segment,
    address: where.address,
    prefix: where.prefix ?? spec.prefix,
    gateway: where.gateway ?? spec.routerAddress,
    resolvers: where.resolvers ?? previous?.resolvers ?? [],
  };
}

/** (Re)attach a host: its bridge port, address, default route and resolv.conf (a comment names the lab). */
export async function plug(router: string, name: string, role: string, a: Attachment, labId: string): Promise<void> {
  const port = portOf(role);
  await ip('-n', router, 'link', 'set', port, 'nomaster');
  await ip('-n', router, 'link', 'set', port, 'master', `br-${a.segment}`.slice(0, 15));
  await ip('-n', name, 'addr', 'flush', 'dev', 'eth0');
  await ip('-n', name, 'addr', 'add', `${a.address}/${a.prefix}`, 'dev', 'eth0');
  await ip('-n', name, 'link', 'set', 'eth0', 'up');
  await ip('-n', name, 'route', 'replace', 'default', 'via', a.gateway, 'dev', 'eth0');
  await ip('-n', name, 'neigh', 'flush', 'dev', 'eth0');
  if (a.resolvers.length) {
    const dir = join(NETNS_ETC, name);
    await mkdir(dir, { recursive: true });
    // Written in place (same inode), never replaced by a rename: `ip netns exec` bind-mounts this file over
    // /etc/resolv.conf, and a process that is already running keeps seeing the inode it was given.
    await writeFile(join(dir, 'resolv.conf'), `# maildoctor lab ${labId}\n${a.resolvers.map((r) => `nameserver ${r}`).join('\n')}\n`);
  }
}

/** Read a file the lab wrote inside /etc/netns (for tests of moveUser). */
export function resolvConfOf(lab: { ns: Record<string, string> }, role = 'user'): Promise<string> {
  return readFile(join(NETNS_ETC, lab.ns[role]!, 'resolv.conf'), 'utf8');
}

// ---------------------------------------------------------------------------------------------------------------
// Process-exit safety net: a lab never stopped (crash, mocha --exit) is removed synchronously at exit.

export const liveLabs = new Set<{ destroySync(): void }>();
let exitHookInstalled = false;

export function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const lab of liveLabs) lab.destroySync();
  });
}

/** PIDs of the processes in a named network namespace (`ip netns pids`). */
function pidsInNamespaceSync(name: string): number[] {
  try {
    return execFileSync('ip', ['netns', 'pids', name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

export function removeNamespaceSync(name: string): void {
  for (const pid of pidsInNamespaceSync(name)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone already */
    }
  }
  try {
    execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
  } catch {
    /* not there */
  }
  rmSync(join(NETNS_ETC, name), { recursive: true, force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Remove labs left by runs that died without cleaning up: namespaces named `md<pid>-…` (and their
 * `/etc/netns` directories) whose `<pid>` no longer runs, with every process still inside them (by PID, from
 * `ip netns pids`). Labs of live processes (another test run) are left alone. Returns the names removed.
 */
export async function cleanupStaleLabs(): Promise<string[]> {
  const removed: string[] = [];
  let listed = '';
  try {
    listed = (await run('ip', ['netns', 'list'])).stdout;
  } catch {
    return removed;
  }
  const names = new Set(listed.split('\n').map((l) => l.trim().split(/\s+/)[0] ?? '').filter((n) => NAME_PATTERN.test(n)));
  if (existsSync(NETNS_ETC)) for (const n of readdirSync(NETNS_ETC)) if (NAME_PATTERN.test(n)) names.add(n);
  for (const name of names) {
    const owner = Number(NAME_PATTERN.exec(name)![1]);
    if (owner === process.pid || alive(owner)) continue;
    removeNamespaceSync(name);
    removed.push(name);
  }
  return removed;
}
