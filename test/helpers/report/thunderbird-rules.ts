/**
 * A clientConfig document read the way Thunderbird reads one (comm-central mailnews/base/prefs/content/
 * readFromXML.sys.mjs): an `emailProvider`, at least one `incomingServer` of type imap or pop3 ("Need proper
 * <incomingServer> in XML file") and one `outgoingServer` of type smtp ("Need proper <outgoingServer> in XML
 * file"), each with a host name, a port in 1..65535, a socketType of "plain", "SSL" or "STARTTLS" and an
 * authentication method Thunderbird knows. Throws with Thunderbird's words where it would refuse the file.
 */
import { child, childrenNamed, childText, parseXml } from '../../../src/lookup/xml.js';

const SOCKET_TYPES = ['plain', 'SSL', 'STARTTLS'] as const;
/** The <authentication> values readFromXML maps to an auth method. */
const AUTH_METHODS = ['password-cleartext', 'plain', 'password-encrypted', 'secure', 'GSSAPI', 'NTLM', 'OAuth2', 'none', 'client-IP-address', 'smtp-after-pop'];

export interface ThunderbirdServer {
  type: string;
  hostname: string;
  port: number;
  socketType: (typeof SOCKET_TYPES)[number];
  auth: string;
  username?: string;
}

export function readAsThunderbird(xml: string): { id: string; incoming: ThunderbirdServer[]; outgoing: ThunderbirdServer[] } {
  const root = parseXml(xml);
  if (root.name !== 'clientConfig') throw new Error('Not a clientConfig document');
  const provider = child(root, 'emailProvider');
  if (!provider?.attributes['id']) throw new Error('Need proper <emailProvider> in XML file');
  const servers = (tag: string, types: string[]): ThunderbirdServer[] =>
    childrenNamed(provider, tag).map((el) => {
      const type = el.attributes['type'] ?? '';
      if (!types.includes(type)) throw new Error(`${tag}: unknown type ${type}`);
      const hostname = childText(el, 'hostname') ?? '';
      if (!/^[a-z0-9.-]+$/i.test(hostname)) throw new Error(`${tag}: hostname ${JSON.stringify(hostname)} is not a host name`);
      const port = Number(childText(el, 'port'));
      if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`${tag}: port ${childText(el, 'port')} out of range`);
      const socketType = childText(el, 'socketType') as ThunderbirdServer['socketType'];
      if (!SOCKET_TYPES.includes(socketType)) throw new Error(`${tag}: socketType ${socketType} is not one of ${SOCKET_TYPES.join(', ')}`);
      const auth = childrenNamed(el, 'authentication').map((a) => a.text.trim()).find((a) => AUTH_METHODS.includes(a));
      if (!auth) throw new Error(`${tag}: no known authentication method`);
      const username = childText(el, 'username');
      return { type, hostname, port, socketType, auth, ...(username ? { username } : {}) };
    });
  const incoming = servers('incomingServer', ['imap', 'pop3']);
  if (incoming.length === 0) throw new Error('Need proper <incomingServer> in XML file');
  const outgoing = servers('outgoingServer', ['smtp']);
  if (outgoing.length === 0) throw new Error('Need proper <outgoingServer> in XML file');
  return { id: provider.attributes['id']!, incoming, outgoing };
}
