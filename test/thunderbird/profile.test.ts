/**
 * Reading a Thunderbird profile (src/thunderbird/profile.ts) from the fixtures in fixtures/thunderbird: which
 * profile profiles.ini makes the default, the accounts' incoming servers and the SMTP servers they send through,
 * Thunderbird's socketType/authMethod numbers and default ports; and that the profile is only ever read.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../../src/lib/errors.js';
import { locateProfile, parsePrefs, profileServers, readThunderbirdProfile, thunderbirdRoot } from '../../src/thunderbird/profile.js';

const ROOT = fileURLToPath(new URL('../../fixtures/thunderbird/root/', import.meta.url));
const DEFAULT = join(ROOT, 'abcd1234.default-release');

describe('thunderbird/profile: the settings the mail client already has', () => {
  it('the usual place per platform', () => {
    assert.equal(thunderbirdRoot({ HOME: '/home/p' }, 'linux'), '/home/p/.thunderbird');
    assert.equal(thunderbirdRoot({ HOME: '/Users/p' }, 'darwin'), '/Users/p/Library/Thunderbird');
    assert.match(thunderbirdRoot({ HOME: 'C:\\Users\\p', APPDATA: 'C:\\Users\\p\\AppData\\Roaming' }, 'win32'), /AppData.Roaming.Thunderbird$/);
  });

  it('profiles.ini: the [Install…] default wins over an old Default=1; a directory with prefs.js is the profile itself', async () => {
    assert.equal(await locateProfile(ROOT), DEFAULT);
    assert.equal(await locateProfile(DEFAULT), DEFAULT);
    assert.equal(await locateProfile(undefined, { HOME: join(ROOT, 'no-such-home') }).catch((e: unknown) => e instanceof UsageError), true);
  });

  it('without an [Install…] section the profile marked Default=1 is used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maildoctor-tb-'));
    try {
      cpSync(ROOT, dir, { recursive: true });
      writeFileSync(join(dir, 'profiles.ini'), readFileSync(join(ROOT, 'profiles.ini'), 'utf8').replace(/\[Install[\s\S]*$/, ''));
      assert.equal(await locateProfile(dir), join(dir, 'zz99.old'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('prefs.js values: strings with escaped quotes and backslashes, integers, booleans; comments are not prefs', () => {
    const prefs = parsePrefs(readFileSync(join(DEFAULT, 'prefs.js'), 'utf8'));
    assert.equal(prefs.get('mail.smtpserver.smtp1.description'), 'Disney "main" \\ relay');
    assert.equal(prefs.get('mail.server.server1.port'), 993);
    assert.equal(prefs.get('mail.identity.id1.valid'), true);
    assert.equal(prefs.size, 42);
  });

  it('the accounts: IMAP over SSL/TLS, POP3 with STARTTLS on its default port, the SMTP server each identity sends through', async () => {
    const profile = await readThunderbirdProfile(ROOT);
    assert.equal(profile.dir, DEFAULT);
    assert.deepEqual(profile.addresses, ['pippo@disney.test']);
    assert.deepEqual(profile.servers, [
      { role: 'imap', host: 'imap.disney.test', port: 993, security: 'tls', auth: 'password', username: 'pippo', key: 'mail.server.server1', addresses: ['pippo@disney.test'] },
      { role: 'smtp', host: 'smtp.disney.test', port: 25, security: 'starttls', auth: 'none', key: 'mail.smtpserver.smtp1', addresses: ['pippo@disney.test'] },
      { role: 'pop3', host: 'pop.disney.test', port: 110, security: 'starttls', auth: 'password', username: 'pippo', key: 'mail.server.server3', addresses: ['pippo@disney.test'] },
    ]);
  });

  it('an identity without its own SMTP server uses the default one; SSL SMTP without a port is 465; OAuth2 is named', () => {
    const prefs = parsePrefs(
      [
        'user_pref("mail.accountmanager.accounts", "a1");',
        'user_pref("mail.account.a1.server", "s1");',
        'user_pref("mail.account.a1.identities", "i1");',
        'user_pref("mail.identity.i1.useremail", "x@example.test");',
        'user_pref("mail.server.s1.type", "imap");',
        'user_pref("mail.server.s1.hostname", "imap.example.test");',
        'user_pref("mail.server.s1.authMethod", 10);',
        'user_pref("mail.smtpservers", "smtp9");',
        'user_pref("mail.smtpserver.smtp9.hostname", "smtp.example.test");',
        'user_pref("mail.smtpserver.smtp9.try_ssl", 3);',
      ].join('\n'),
    );
    const { servers } = profileServers(prefs);
    assert.deepEqual(
      servers.map((s) => [s.role, s.host, s.port, s.security, s.auth]),
      [
        ['imap', 'imap.example.test', 143, 'plain', 'oauth2'],
        ['smtp', 'smtp.example.test', 465, 'tls', 'password'],
      ],
    );
  });

  it('reading never writes: the profile’s files are unchanged, byte for byte and in time', async () => {
    const before = readdirSync(DEFAULT).map((f) => [f, statSync(join(DEFAULT, f)).mtimeMs, readFileSync(join(DEFAULT, f), 'utf8')]);
    await readThunderbirdProfile(ROOT);
    assert.deepEqual(readdirSync(DEFAULT).map((f) => [f, statSync(join(DEFAULT, f)).mtimeMs, readFileSync(join(DEFAULT, f), 'utf8')]), before);
  });

  it('a directory that is no profile: a usage error (exit 2) naming it', async () => {
    await assert.rejects(readThunderbirdProfile(join(ROOT, '..')), (e: unknown) => e instanceof UsageError && /no prefs\.js or profiles\.ini/.test(e.message));
  });
});
