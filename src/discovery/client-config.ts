import { domainToASCII } from 'node:url';
import { isIP } from 'node:net';
import { isValidHostName } from './address.js';
import { child, childrenNamed, childText, parseXml, type XmlElement, type XmlLimits } from '../lookup/xml.js';
import type { ClientConfig, ClientConfigServer, MailRole, ParsedAddress, Security } from './types.js';
import { portNumber } from '../lib/host-port.js';

/** More servers than this in one document is not a configuration. */
const MAX_SERVERS = 32;

/** Thunderbird's socketType values (clientConfig v1.1). */
const SOCKET_TYPES: Record<string, Security> = { SSL: 'tls', STARTTLS: 'starttls', plain: 'plain' };
const INCOMING_TYPES: Record<string, MailRole> = { imap: 'imap', pop3: 'pop3' };

/**
 * Read a clientConfig v1.1 document (https://wiki.mozilla.org/Thunderbird:Autoconfiguration:ConfigFileFormat).
 * Throws `XmlError` for XML that is malformed or refused, and `Error` when the root is not `clientConfig`.
 * Server entries that make no sense (bad port, unknown socketType, an invalid host) are skipped with a warning.
 */
export function parseClientConfig(xml: string, address: ParsedAddress, limits?: Partial<XmlLimits>): ClientConfig {
  const root = parseXml(xml, limits);
  if (root.name !== 'clientConfig') throw new Error(`root element is <${root.name}>, not <clientConfig>`);
  const provider = child(root, 'emailProvider');
  if (!provider) throw new Error('no <emailProvider> element');
  const config: ClientConfig = {
    providerId: provider.attributes['id'],
    displayName: childText(provider, 'displayName'),
    domains: childrenNamed(provider, 'domain').map((d) => d.text.trim().toLowerCase()).filter((d) => d !== ''),
    servers: [],
    warnings: [],
  };
  const entries = provider.children.filter((c) => c.name === 'incomingServer' || c.name === 'outgoingServer');
  for (const el of entries.slice(0, MAX_SERVERS)) {
    const server = readServer(el, address, config.warnings);
    if (server) config.servers.push(server);
  }
  if (entries.length > MAX_SERVERS) config.warnings.push(`only the first ${MAX_SERVERS} server entries were read`);
  return config;
}

function readServer(el: XmlElement, address: ParsedAddress, warnings: string[]): ClientConfigServer | undefined {
  const type = el.attributes['type'] ?? '';
  let role: MailRole | undefined;
  if (el.name === 'outgoingServer') role = type === 'smtp' ? 'smtp' : undefined;
  else role = INCOMING_TYPES[type];
  if (!role) {
    // exchange, ews, jmap… are real entries but not servers this tool checks.
    warnings.push(`<${el.name} type="${type}"> skipped: not imap, pop3 or smtp`);
    return undefined;
  }
  const rawHost = expandTemplate(childText(el, 'hostname') ?? '', address);
  const hostname = rawHost.endsWith('.') ? rawHost.slice(0, -1) : rawHost;
  const ascii = isIP(hostname) ? hostname : domainToASCII(hostname).toLowerCase();
  if (!ascii || (!isIP(ascii) && !isValidHostName(ascii))) {
    warnings.push(`<${el.name} type="${type}"> skipped: "${hostname}" is not a host name`);
    return undefined;
  }
  const portText = childText(el, 'port') ?? '';
  const port = portNumber(portText, 1);
  if (port === undefined) {
    warnings.push(`${role} server ${ascii} skipped: port "${portText}" is not a port number`);
    return undefined;
  }
  const socketType = childText(el, 'socketType') ?? '';
  const security = Object.hasOwn(SOCKET_TYPES, socketType) ? SOCKET_TYPES[socketType]! : undefined;
  if (!security) {
    warnings.push(`${role} server ${ascii}:${port} skipped: socketType "${socketType}" is not SSL, STARTTLS or plain`);
    return undefined;
  }
  const usernameTemplate = childText(el, 'username');
  return {
    role,
    hostname: ascii,
    port,
    security,
    authentication: childrenNamed(el, 'authentication').map((a) => a.text.trim()).filter((a) => a !== ''),
    ...(usernameTemplate !== undefined && usernameTemplate !== ''
      ? { usernameTemplate, username: expandTemplate(usernameTemplate, address) }
      : {}),
  };
}

/** The placeholders of clientConfig v1.1 (%EMAILADDRESS%, %EMAILLOCALPART%, %EMAILDOMAIN%). */
export function expandTemplate(template: string, address: ParsedAddress): string {
  return template
    .replaceAll('%EMAILADDRESS%', address.address)
    .replaceAll('%EMAILLOCALPART%', address.localPart)
    .replaceAll('%EMAILDOMAIN%', address.domain);
}
