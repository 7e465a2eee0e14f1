/**
 * An OAuth2 token introspection endpoint (RFC 7662) for Dovecot's oauth2 passdb: the stand-in for a real
 * provider's authorization server. Dovecot POSTs `token=<access token>` (introspection_mode = post) and reads
 * `active` and `username` from the JSON answer. Tokens are issued by the test (`issue`); anything else is
 * answered `{"active": false}`, which Dovecot turns into the RFC 7628 §3.2.2 error challenge and then a refusal.
 *
 * Loopback only; port chosen at run time.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** Largest request body read: a form with one token (real tokens are a few KB at most). */
const MAX_BODY_BYTES = 64 * 1024;

export interface IntrospectionServer {
  /** The URL for Dovecot's `introspection_url`. */
  url: string;
  /** A fresh token (RFC 6750 b64token characters, like a real one) that introspects as active for `user`. */
  issue(user: string): string;
  /** Tokens Dovecot asked about, in order (to prove the login went through introspection). */
  asked: string[];
  stop(): Promise<void>;
}

export async function startIntrospection(host = '127.0.0.1'): Promise<IntrospectionServer> {
  const active = new Map<string, string>();
  const asked: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('token') ?? '';
      asked.push(token);
      const user = active.get(token);
      const body = JSON.stringify(user ? { active: true, username: user, scope: 'mail' } : { active: false });
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
      res.end(body);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/introspect`,
    issue(user) {
      // JWT-like: three base64url parts with dots, the shape of Microsoft's and Google's access tokens.
      const token = ['eyJ0eXAiOiJKV1QifQ', randomBytes(24).toString('base64url'), randomBytes(32).toString('base64url')].join('.');
      active.set(token, user);
      return token;
    },
    asked,
    stop: () => new Promise((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
