import assert from 'node:assert/strict';
import { colors, parseHostPort } from '../../src/cli/io.js';
import { memoryIo } from './io.js';

describe('cli/io', () => {
  const tty = (env: NodeJS.ProcessEnv): ReturnType<typeof memoryIo> => {
    const io = memoryIo(env);
    Object.assign(io.stdout, { isTTY: true });
    return io;
  };

  it('colours only on a terminal, never with NO_COLOR or TERM=dumb; FORCE_COLOR forces them', () => {
    assert.equal(colors(tty({})).red('x'), '\x1b[31mx\x1b[39m');
    assert.equal(colors(memoryIo({})).red('x'), 'x', 'piped: no colour');
    assert.equal(colors(tty({ NO_COLOR: '1' })).red('x'), 'x');
    assert.equal(colors(tty({ TERM: 'dumb' })).red('x'), 'x');
    assert.equal(colors(memoryIo({ FORCE_COLOR: '1' })).red('x'), '\x1b[31mx\x1b[39m');
  });

  it('parses HOST[:PORT], bracketed IPv6 and bare IPv6', () => {
    assert.deepEqual(parseHostPort('mail.example.com'), { host: 'mail.example.com' });
    assert.deepEqual(parseHostPort('mail.example.com:587'), { host: 'mail.example.com', port: 587 });
    assert.deepEqual(parseHostPort('[2001:db8::1]:25'), { host: '2001:db8::1', port: 25 });
    assert.deepEqual(parseHostPort('2001:db8::1'), { host: '2001:db8::1' });
    for (const bad of ['', 'a b', 'user@host', 'host:0', 'host:65536', 'host:x']) assert.throws(() => parseHostPort(bad), { name: 'UsageError' });
  });
});
