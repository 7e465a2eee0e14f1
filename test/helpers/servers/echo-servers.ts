/**
 * Servers that echo what they received (issue 9): every credential-bearing line comes back in the refusal,
 * raw, base64-decoded and JSON-escaped, in the places real servers put text (an SMTP 535, a POP3 -ERR, an IMAP
 * NO, an untagged [ALERT], a literal, a 334 / + challenge). A probe must scrub all of it.
 */
import type net from 'node:net';
import tls from 'node:tls';
import { faultServer, onLines, type FaultServer } from './gallery.js';

/** A key and certificate: the server speaks implicit TLS (993, 995, 465) instead of plaintext. */
export interface EchoTls {
  key: string;
  cert: string;
}

/** faultServer's listener factory for implicit TLS, or its plaintext default. */
function listener(pair: EchoTls | undefined): Parameters<typeof faultServer>[1] {
  if (!pair) return undefined;
  return (l) => {
    const server = tls.createServer({ key: pair.key, cert: pair.cert }, l as (s: tls.TLSSocket) => void);
    server.on('tlsClientError', () => {});
    return server;
  };
}

/** Write back the bytes as they came (onLines decodes latin-1): a real echo repeats bytes, not characters. */
function send(socket: net.Socket, text: string): void {
  socket.write(text, 'latin1');
}

/** The received line, plus what it decodes to when it is base64 (NULs shown as NUL), plus it JSON-escaped. */
function echo(line: string): string {
  const arg = line.split(' ').at(-1) ?? '';
  const decoded = Buffer.from(arg, 'base64').toString('latin1').replace(/\0/g, ' ');
  return `you sent ${line} = ${decoded} json ${JSON.stringify(decoded)}`;
}

/** SMTP advertising one mechanism (PLAIN, LOGIN or CRAM-MD5) and refusing every attempt with an echo. */
export function echoingSmtp(mechanism: 'PLAIN' | 'LOGIN' | 'CRAM-MD5', pair?: EchoTls): Promise<FaultServer> {
  return faultServer((socket) => {
    send(socket, '220 echo.gallery.test ESMTP\r\n');
    let step = 0;
    onLines(socket, (line) => {
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'EHLO') return void send(socket, `250-echo.gallery.test\r\n250 AUTH ${mechanism}\r\n`);
      if (verb === 'QUIT') return void socket.end('221 Bye\r\n');
      if (verb === 'AUTH' && mechanism === 'PLAIN') return void send(socket, `535 5.7.8 ${echo(line)}\r\n`);
      if (verb === 'AUTH' && mechanism === 'CRAM-MD5') return void send(socket, `334 ${Buffer.from('<1.2@echo.gallery.test>').toString('base64')}\r\n`);
      if (verb === 'AUTH') return void send(socket, '334 VXNlcm5hbWU6\r\n');
      // A continuation line: LOGIN's user then password (each echoed in the next challenge), CRAM's response.
      step++;
      const echoed = Buffer.from(echo(line)).toString('base64');
      if (mechanism === 'LOGIN' && step === 1) return void send(socket, `334 ${echoed}\r\n`);
      send(socket, `535-5.7.8 ${echo(line)}\r\n535 5.7.8 challenge was ${echoed}\r\n`);
    });
  }, listener(pair));
}

/** POP3 offering USER (PASS echoed in -ERR) or SASL PLAIN (the response echoed). */
export function echoingPop3(mechanism: 'USER' | 'PLAIN', pair?: EchoTls): Promise<FaultServer> {
  return faultServer((socket) => {
    send(socket, '+OK echo POP3\r\n');
    onLines(socket, (line) => {
      const verb = line.split(' ')[0]!.toUpperCase();
      if (verb === 'CAPA') return void send(socket, `+OK\r\n${mechanism === 'USER' ? 'USER' : 'SASL PLAIN'}\r\n.\r\n`);
      if (verb === 'USER') return void send(socket, '+OK send PASS\r\n');
      if (verb === 'QUIT') return void socket.end('+OK bye\r\n');
      send(socket, `-ERR [AUTH] ${echo(line)}\r\n`);
    });
  }, listener(pair));
}

/** IMAP offering LOGIN, or AUTHENTICATE PLAIN with or without SASL-IR; every attempt echoed. */
export function echoingImap(mode: 'LOGIN' | 'PLAIN' | 'PLAIN-IR', pair?: EchoTls): Promise<FaultServer> {
  const caps = mode === 'LOGIN' ? 'IMAP4rev1' : mode === 'PLAIN' ? 'IMAP4rev1 AUTH=PLAIN' : 'IMAP4rev1 AUTH=PLAIN SASL-IR';
  return faultServer((socket) => {
    send(socket, `* OK [CAPABILITY ${caps}] echo IMAP\r\n`);
    let pendingTag: string | undefined;
    const refuse = (tag: string, line: string): void => {
      const text = echo(line);
      send(socket, `* OK [ALERT] ${text}\r\n* 1 FETCH (BODY[] {${Buffer.byteLength(text, 'latin1')}}\r\n${text})\r\n${tag} NO [AUTHENTICATIONFAILED] ${text}\r\n`);
    };
    onLines(socket, (line) => {
      if (pendingTag) {
        const tag = pendingTag;
        pendingTag = undefined;
        return refuse(tag, line);
      }
      const [tag, verb = ''] = line.split(' ') as [string, string?];
      const v = verb.toUpperCase();
      if (v === 'CAPABILITY') return void send(socket, `* CAPABILITY ${caps}\r\n${tag} OK done\r\n`);
      if (v === 'LOGOUT') return void socket.end(`* BYE\r\n${tag} OK bye\r\n`);
      if (v === 'AUTHENTICATE' && line.split(' ').length === 3) {
        pendingTag = tag;
        return void send(socket, '+ \r\n');
      }
      refuse(tag, line);
    });
  }, listener(pair));
}
