/**
 * The mailbox provider's OAuth2 authorization server, as far as Dovecot sees it: the harness's token
 * introspection endpoint (test/helpers/harness/oauth.ts), run inside the provider's namespace so that Dovecot reaches it
 * on that namespace's loopback.
 *
 *     ip netns exec NS node --import tsx test/helpers/lab/oauth-main.ts
 *
 * Prints `ready URL` once it listens. Control lines on stdin, one answer line each on stdout:
 *   `issue USER`  issue an access token that introspects as active for USER; answers `ok TOKEN`
 * It exits when stdin closes, so it never outlives the lab that started it.
 */
import { createInterface } from 'node:readline';
import { startIntrospection } from '../harness/oauth.js';

const server = await startIntrospection('127.0.0.1');
process.stdout.write(`ready ${server.url}\n`);
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const [command, user] = line.trim().split(/\s+/);
  if (command === 'issue' && user) process.stdout.write(`ok ${server.issue(user)}\n`);
  else process.stdout.write(`error unknown command ${JSON.stringify(line)}\n`);
});
lines.on('close', () => {
  void server.stop().then(() => process.exit(0));
});
