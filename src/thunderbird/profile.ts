/**
 * The settings a Thunderbird profile already has: profiles.ini (which profile) and prefs.js (its accounts,
 * incoming servers, SMTP servers), read and never written. What `check --thunderbird-profile` probes besides
 * discovery. Pref names and values as Thunderbird writes them (comm-central mailnews: nsMsgIncomingServer,
 * nsSmtpServer, MailNewsTypes2.idl for socketType and authMethod).
 */
import { readFile, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import ini from 'ini';
import { UsageError } from '../lib/errors.js';
import type { Security } from '../lib/types.js';

/** One server of the profile as configured, in maildoctor's terms. */
export interface ConfiguredServer {
  role: 'imap' | 'pop3' | 'smtp';
  host: string;
  port: number;
  security: Security;
  /** `password`: normal or encrypted password; `oauth2`; `none`: no authentication; `other`: Kerberos, NTLM, TLS certificate. */
  auth: 'password' | 'oauth2' | 'none' | 'other';
  username?: string;
  /** The pref branch it comes from: `mail.server.server1` or `mail.smtpserver.smtp1`. */
  key: string;
  /** The e-mail addresses of the identities that use it. */
  addresses: string[];
}

export interface ThunderbirdProfile {
  /** The profile directory read. */
  dir: string;
  /** Every address of the profile's identities, in account order. */
  addresses: string[];
  servers: ConfiguredServer[];
}

/** socketType / try_ssl: 0 plain, 1 "try STARTTLS" (old), 2 STARTTLS, 3 SSL/TLS. */
const SOCKET_TYPE: Record<number, Security> = { 0: 'plain', 1: 'starttls', 2: 'starttls', 3: 'tls' };
/** authMethod: 1 none, 2 old password, 3 normal password, 4 encrypted password, 5 GSSAPI, 6 NTLM, 7 TLS certificate, 8 secure, 9 any, 10 OAuth2. */
const AUTH_METHOD: Record<number, ConfiguredServer['auth']> = { 1: 'none', 2: 'password', 3: 'password', 4: 'password', 5: 'other', 6: 'other', 7: 'other', 8: 'password', 9: 'password', 10: 'oauth2' };
const DEFAULT_PORT = { imap: { tls: 993, other: 143 }, pop3: { tls: 995, other: 110 }, smtp: { tls: 465, other: 25 } } as const;
/** A prefs.js larger than this is not a Thunderbird profile (real ones are tens of kilobytes). */
const MAX_PREFS_BYTES = 16 * 1024 * 1024;

/** Where Thunderbird keeps its profiles on this platform. */
export function thunderbirdRoot(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  const home = env.HOME ?? homedir();
  if (platform === 'darwin') return join(home, 'Library', 'Thunderbird');
  if (platform === 'win32') return join(env.APPDATA ?? join(home, 'AppData', 'Roaming'), 'Thunderbird');
  return join(home, '.thunderbird');
}

/**
 * The profile directory: DIR itself when it holds prefs.js, else the default profile of the profiles.ini in DIR
 * (or in Thunderbird's usual place): the [Install…] section's Default, else the [Profile…] marked Default=1, else
 * the only one.
 */
export async function locateProfile(dir?: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const root = dir ?? thunderbirdRoot(env);
  if (await isFile(join(root, 'prefs.js'))) return root;
  const iniFile = join(root, 'profiles.ini');
  if (!(await isFile(iniFile))) throw new UsageError(`--thunderbird-profile: no prefs.js or profiles.ini in ${root}`, { msg: 'usage.profile.notFound', params: { dir: root } });
  const sections = ini.parse(await readFile(iniFile, 'utf8')) as Record<string, Record<string, string>>;
  const profiles = Object.entries(sections).filter(([name]) => /^Profile\d+$/.test(name)).map(([, s]) => s);
  const installDefault = Object.entries(sections).find(([name, s]) => name.startsWith('Install') && s['Default'])?.[1]['Default'];
  const chosen = installDefault
    ? (profiles.find((p) => p['Path'] === installDefault) ?? { Path: installDefault, IsRelative: '1' })
    : (profiles.find((p) => p['Default'] === '1') ?? (profiles.length === 1 ? profiles[0] : undefined));
  if (!chosen?.['Path']) throw new UsageError(`--thunderbird-profile: ${iniFile} names no default profile`, { msg: 'usage.profile.noDefault', params: { file: iniFile } });
  const path = chosen['IsRelative'] === '0' || isAbsolute(chosen['Path']) ? chosen['Path'] : join(dirname(iniFile), chosen['Path']);
  if (!(await isFile(join(path, 'prefs.js')))) throw new UsageError(`--thunderbird-profile: the default profile ${path} has no prefs.js`, { msg: 'usage.profile.noPrefs', params: { dir: path } });
  return path;
}

/** `user_pref("name", value);` lines of prefs.js: strings, integers and booleans. */
export function parsePrefs(text: string): Map<string, string | number | boolean> {
  const prefs = new Map<string, string | number | boolean>();
  const line = /^\s*user_pref\(\s*("(?:[^"\\]|\\.)*")\s*,\s*("(?:[^"\\]|\\.)*"|-?\d+|true|false)\s*\)\s*;/gm;
  for (const m of text.matchAll(line)) {
    try {
      prefs.set(JSON.parse(m[1]!) as string, JSON.parse(m[2]!) as string | number | boolean);
    } catch {
      // A string with an escape JSON does not know (\x41): not a pref maildoctor needs.
    }
  }
  return prefs;
}

/** The accounts of a profile: each account's identities and incoming server, and the SMTP servers they send through. */
export function profileServers(prefs: Map<string, string | number | boolean>): Omit<ThunderbirdProfile, 'dir'> {
  const str = (k: string): string | undefined => (typeof prefs.get(k) === 'string' ? (prefs.get(k) as string) : undefined);
  const num = (k: string): number | undefined => (typeof prefs.get(k) === 'number' ? (prefs.get(k) as number) : undefined);
  const list = (k: string): string[] => (str(k) ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const servers = new Map<string, ConfiguredServer>();
  const addresses: string[] = [];
  const server = (key: string, role: ConfiguredServer['role'], hostPref: string, socketPref: string, userPref: string): ConfiguredServer | undefined => {
    const host = str(`${key}.${hostPref}`);
    if (!host) return undefined;
    const security = SOCKET_TYPE[num(`${key}.${socketPref}`) ?? 0] ?? 'plain';
    const port = num(`${key}.port`) || DEFAULT_PORT[role][security === 'tls' ? 'tls' : 'other'];
    const username = str(`${key}.${userPref}`);
    return { role, host, port, security, auth: AUTH_METHOD[num(`${key}.authMethod`) ?? 3] ?? 'other', ...(username ? { username } : {}), key, addresses: [] };
  };
  const smtpDefault = str('mail.smtp.defaultserver') ?? list('mail.smtpservers')[0];
  for (const account of list('mail.accountmanager.accounts')) {
    const serverKey = str(`mail.account.${account}.server`);
    const type = serverKey ? str(`mail.server.${serverKey}.type`) : undefined;
    if (!serverKey || (type !== 'imap' && type !== 'pop3')) continue; // Local Folders, RSS, news: not mail servers
    const incomingKey = `mail.server.${serverKey}`;
    const incoming = servers.get(incomingKey) ?? server(incomingKey, type, 'hostname', 'socketType', 'userName');
    if (!incoming) continue;
    servers.set(incomingKey, incoming);
    for (const id of list(`mail.account.${account}.identities`)) {
      const email = str(`mail.identity.${id}.useremail`);
      if (!email) continue;
      if (!addresses.includes(email)) addresses.push(email);
      if (!incoming.addresses.includes(email)) incoming.addresses.push(email);
      const smtp = str(`mail.identity.${id}.smtpServer`) || smtpDefault;
      if (!smtp) continue;
      const smtpKey = `mail.smtpserver.${smtp}`;
      const outgoing = servers.get(smtpKey) ?? server(smtpKey, 'smtp', 'hostname', 'try_ssl', 'username');
      if (!outgoing) continue;
      servers.set(smtpKey, outgoing);
      if (!outgoing.addresses.includes(email)) outgoing.addresses.push(email);
    }
  }
  return { addresses, servers: [...servers.values()] };
}

/** Read a profile (never write it): locate it, parse prefs.js, list its accounts' servers. */
export async function readThunderbirdProfile(dir?: string, env: NodeJS.ProcessEnv = process.env): Promise<ThunderbirdProfile> {
  const profileDir = await locateProfile(dir, env);
  const file = join(profileDir, 'prefs.js');
  if ((await stat(file)).size > MAX_PREFS_BYTES) throw new UsageError(`--thunderbird-profile: ${file} is too large to be Thunderbird’s prefs.js`, { msg: 'usage.profile.tooLarge', params: { file } });
  const found = profileServers(parsePrefs(await readFile(file, 'utf8')));
  if (found.addresses.length === 0) throw new UsageError(`--thunderbird-profile: no mail account (IMAP or POP3 with an address) in ${file}`, { msg: 'usage.profile.noAccount', params: { file } });
  return { dir: profileDir, ...found };
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}
