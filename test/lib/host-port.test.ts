import assert from 'node:assert/strict';
import { portNumber, splitHostPort } from '../../src/lib/host-port.js';
import { parseListen } from '../../src/lib/listen.js';
import { parseHostPort } from '../../src/lookup/host-port.js';

describe('HOST[:PORT]: one splitting for targets and listen addresses', () => {
  it('splits names, IPv4, bracketed and bare IPv6 alike', () => {
    assert.deepEqual(splitHostPort('mail.example.test:587'), { host: 'mail.example.test', portText: '587' });
    assert.deepEqual(splitHostPort(' 192.0.2.1 '), { host: '192.0.2.1' });
    assert.deepEqual(splitHostPort('[2001:db8::1]:25'), { host: '2001:db8::1', portText: '25' });
    assert.deepEqual(splitHostPort('2001:db8::1'), { host: '2001:db8::1' }, 'the last group of a bare address is no port');
    assert.deepEqual(splitHostPort(''), { fault: 'empty' });
    assert.deepEqual(splitHostPort('[192.0.2.1]:25'), { fault: 'brackets' });
    assert.deepEqual(splitHostPort('2001:db8::1::25'), { fault: 'ipv6Brackets' });
    assert.deepEqual(splitHostPort('a b:25'), { fault: 'badHost' });
  });

  it('a port is 1-5 digits within 0/1-65535', () => {
    assert.equal(portNumber('0', 0), 0);
    assert.equal(portNumber('0', 1), undefined);
    assert.equal(portNumber('65535', 1), 65_535);
    assert.equal(portNumber('65536', 1), undefined);
    assert.equal(portNumber('+25', 1), undefined);
    assert.equal(portNumber('', 1), undefined);
  });

  it('a listen address needs its port and may ask for port 0; a target may not', () => {
    assert.deepEqual(parseListen('127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
    assert.deepEqual(parseListen('[::1]:9877'), { host: '::1', port: 9877 });
    assert.deepEqual(parseListen('localhost:9877'), { host: 'localhost', port: 9877 });
    for (const bad of ['127.0.0.1', '::1', ':9877', '[192.0.2.1]:80', 'a b:80', '127.0.0.1:99999', '127.0.0.1:x']) {
      assert.equal(parseListen(bad), undefined, bad);
    }
    assert.throws(() => parseHostPort('127.0.0.1:0', '--dns'), /--dns: .*127\.0\.0\.1:0.*1 to 65535/);
  });
});
