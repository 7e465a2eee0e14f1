import assert from 'node:assert/strict';
import { colors } from '../../src/cli/io.js';
import { parseHostPort } from '../../src/lookup/host-port.js';
import { memoryIo } from '../helpers/cli/io.js';

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

describe('cli/io: the password prompt', () => {
  it('reads a line without echo from a terminal, handles backspace, and restores the terminal', async () => {
    const { PassThrough } = await import('node:stream');
    const { promptSecret } = await import('../../src/cli/io.js');
    const stdin = Object.assign(new PassThrough(), { isTTY: true, rawModes: [] as boolean[], setRawMode(this: { rawModes: boolean[] }, on: boolean) { this.rawModes.push(on); return this; } });
    const io = memoryIo();
    Object.assign(io, { stdin });
    const answer = promptSecret(io, { msg: 'cli.passwordPrompt', params: { user: 'pippo' } });
    stdin.write('hunter3\u007f2\r');
    assert.equal(await answer, 'hunter2');
    assert.deepEqual(stdin.rawModes, [true, false]);
    assert.equal(io.out(), '', 'nothing on stdout');
    assert.equal(io.err(), 'Password for pippo: \n', 'the question, and no echo of what was typed');
  });

  it('asks nothing when stdin is not a terminal', async () => {
    const { promptSecret } = await import('../../src/cli/io.js');
    const io = memoryIo();
    assert.equal(await promptSecret(io, { msg: 'cli.passwordPrompt', params: { user: 'pippo' } }), undefined);
    assert.equal(io.err(), '');
  });
});
