/**
 * English sentences of every finding code (ICU MessageFormat; parameters as the rules set them, see
 * src/report/rules). One entry per code: the typecheck fails when a code of src/lib/codes.ts has none.
 * Write ’ for an apostrophe: a straight one quotes ICU syntax.
 */
import type { FindingCode } from '../../lib/codes.js';
import type { FindingMessages } from '../types.js';

const UP = '{upCount, plural, =0 {} one { Other ports answer from here on {up}, so the server is up.} other { Other ports answer from here on {up}, so the servers are up.}}';

export const EN_FINDINGS: Record<FindingCode, FindingMessages> = {
  SMTP_RELAY_DENIED: {
    summary: '{endpoints} {count, plural, one {refuses} other {refuse}} to send mail for you from this network',
    explanation:
      'The mailbox provider’s outgoing server accepted the connection but refused to relay a message to an outside address for {client}. ' +
      '{blocklisted, select, yes {This address is on a DNS blocklist (see that finding), which is the likely reason. } other {Providers only relay for clients on their own network, or for clients that log in. }}' +
      '{submission, select, works {Logging in (authenticated submission) works from here, so use that.} offered {The provider offers login (authenticated submission) on an encrypted port: that is the way to send from any network.} other {Receiving is not affected: this only concerns sending.}}',
    fix: '{submission, select, works {Use the authenticated submission settings below (with your user name and password).} offered {Use the authenticated submission settings below (with your user name and password).} other {Send through the SMTP server of the network you are on (a hybrid account), or use authenticated submission (port 587 or 465 with your password) if your provider offers it.}}',
  },
  AUTH_REQUIRED: {
    summary: '{endpoints} {count, plural, one {requires} other {require}} you to log in to send',
    explanation: 'This outgoing server only takes mail from clients that log in with the mailbox’s user name and password (SMTP AUTH). That is the modern, network-independent way to send.',
    fix: '{credentials, select, yes {} other {Turn on "my outgoing server requires authentication" in the mail client; run maildoctor with --user to verify the password.}}',
  },
  AUTH_FAILED: {
    summary: 'The user name or password was refused by {hosts}',
    explanation: 'The server refused the login for user {user}. Either the password is wrong, the user name has another form (often the whole address), or the account needs an app password because of two-factor authentication.',
    fix: 'Check the password; try the whole address as user name; if the provider uses two-step verification, create an app password.',
  },
  PORT_BLOCKED_BY_NETWORK: {
    summary: '{inferred, select, yes {This network probably blocks port {port} (inferred: no control endpoint could check it)} other {This network blocks port {port} (no answer from {hosts}, nor from the control endpoints on port {port})}}',
    explanation:
      '{inferred, select, yes {Connections to port {port} of {hosts} {filtered, select, yes {get no answer at all} other {are refused}}. No control endpoint on port {port} answered either way, so this is an inference, not a measurement: ' +
      '{hasMx, select, yes {{mx} is an MX of {domain}, which must accept port 25 from anywhere to receive mail, yet its other ports ({mxPorts}) answer from here; } other {}}' +
      '{hasOwn, select, yes {port 25 of this network’s own server {own} answers while outside ones do not; } other {}}' +
      'a firewall of this network is the likely cause, though a refusal by the server itself cannot be ruled out.} ' +
      'other {Connections to port {port} {filtered, select, yes {get no answer at all} other {are reset}}, not only to {hosts} but also to independent control servers, while other ports work. ' +
      'The network you are on (or its firewall) blocks outgoing port {port}.}}' + UP +
      '{port, select, 25 { Many ISPs block port 25 for their customers to stop spam; port 587 or 465 with a password is the way to send.} other {}}',
    fix: '{port, select, 25 {Use submission on port 587 (STARTTLS) or 465 (TLS) with your password, or the network’s own SMTP server.} other {Use another port, or another network; ask the network’s administrator to allow port {port}.}}',
  },
  PORT_FILTERED: {
    summary: 'Port {port} of {hosts} does not answer (packets dropped)',
    explanation:
      'Connection attempts got no answer at all: a firewall drops them{control, select, open {, on the server’s side (control servers on port {port} answer from here, so this network lets the port through)} other {, on the server’s side or on the way (no control endpoint on port {port} could tell which)}}.' +
      UP,
  },
  PORT_CLOSED: {
    summary: 'Port {port} of {hosts} refuses connections: no service there',
    explanation:
      '{control, select, open {The server answered with a reset on port {port}: nothing listens there (or the server’s firewall rejects it). It is not this network: control servers on port {port} answer from here.} other {Connections to port {port} were refused with a reset: by the server (nothing listens there) or by a firewall on the way, which can send the same reset. No control endpoint on port {port} could tell which.}}' +
      UP,
  },
  TLS_MODE_MISMATCH: {
    summary: '{endpoint} {expected, select, tls {does not speak implicit TLS (SSL/TLS)} other {speaks implicit TLS (SSL/TLS), not STARTTLS}}',
    explanation: 'The port was tried with {expected, select, tls {implicit TLS, but the server answered in plaintext} other {a plaintext greeting expected, but the server waits for a TLS handshake}}. A mail client set the wrong way hangs or fails with an obscure error.',
    fix: '{expected, select, tls {Set the connection security to STARTTLS for this port.} other {Set the connection security to SSL/TLS for this port.}}',
  },
  STARTTLS_BROKEN: {
    summary: 'STARTTLS on {endpoint} is broken',
    explanation: 'The server answers yes to STARTTLS, then does not start TLS (it goes on in plaintext or hangs up). A mail client set to STARTTLS fails here; switching it to SSL/TLS on this port would not help either: the server, or a device on the path that rewrites the session, is at fault.',
    fix: 'Use another port (465 with SSL/TLS, or 587 from another network) and tell the provider.',
  },
  STARTTLS_UNAVAILABLE: {
    summary: '{endpoint} offers no encryption',
    explanation: 'The server does not offer STARTTLS on this port: everything, including your password, would travel unencrypted.',
    fix: 'Use a port with TLS (465, 993, 995) if the provider offers one.',
  },
  TLS_CERT_EXPIRED: {
    summary: 'The certificate of {endpoint} has expired',
    explanation: 'The server presents a {certificate}. Mail clients refuse it (or ask you to accept a risk). maildoctor sent nothing over it.',
    fix: 'Tell the provider; do not accept the certificate permanently in your mail client.',
  },
  TLS_CERT_HOSTNAME_MISMATCH: {
    summary: 'The certificate of {endpoint} is for another name',
    explanation: 'The server presents a {certificate}, which does not cover {host}. Often the provider wants you to use another host name (the one in the certificate).',
    fix: '{altName, select, none {} other {Try the name the certificate covers: {altName}.}}',
  },
  TLS_CERT_UNTRUSTED: {
    summary: 'The certificate of {endpoint} is not trusted',
    explanation: 'The server presents a {certificate}, which does not chain to a trusted certificate authority ({trustError}). Someone may be intercepting the connection, or the server is misconfigured.',
    fix: 'Do not accept it unless the provider confirms its fingerprint.',
  },
  PLAINTEXT_AUTH_ONLY: {
    summary: 'The password could only be sent unencrypted',
    explanation: 'The servers that accept a login offer no encryption (no TLS port, no STARTTLS). Anyone on the path could read the password. maildoctor did not send it; run with --allow-plaintext-auth to test it anyway, knowing that.',
    fix: 'Ask the provider for encrypted access (ports 993/995/465/587 with TLS); meanwhile avoid using this account on untrusted networks.',
  },
  GREETING_REJECTED: {
    summary: '{endpoint} refuses this client as soon as it connects',
    explanation: 'The server answered the connection with a refusal: "{reply}". Servers do this to addresses on block lists (dynamic/residential ranges, or an address that sent spam) or when they are overloaded.',
    fix: 'Use authenticated submission on another port, or the network’s own SMTP server; if your address is on a block list, the network provider can tell you why.',
  },
  DNS_DOMAIN_NOT_FOUND: {
    summary: 'The domain {domain} does not exist',
    explanation: 'DNS says there is no domain {domain} (NXDOMAIN), so no server can receive or send mail for {address}. Check the spelling of the address.',
    fix: 'Check the address for a typo; if it is right, the domain has expired or was never registered.',
  },
  DNS_RESOLVER_UNREACHABLE: {
    summary: 'No DNS resolver answers from this network',
    explanation: 'The DNS resolvers ({resolvers}) did not answer, so server names cannot be looked up. Mail (and most of the internet) will not work until name resolution does.',
    fix: 'Check the network connection; if it is up, set a working DNS resolver (the router, or your provider’s) or use --dns.',
  },
  NO_MAIL_SERVERS_FOUND: {
    summary: '{all, select, yes {No mail server found for {domain}} other {No server found for {roles}}}',
    explanation: 'None of the sources (DNS SRV records, autoconfig, the ISP database, MX records, the usual host names) named a server that resolves for {roles}.',
    fix: 'Ask the mailbox provider for its server names, then run `maildoctor probe` against them.',
  },
  CONFIG_SOURCES_DISAGREE: {
    summary: 'The configuration sources disagree about the servers',
    explanation: 'Different sources (DNS SRV, the domain’s autoconfig, the ISP database) name different servers or security for the same role. One of them is out of date; maildoctor tried them all and recommends what it verified.',
  },
  SERVER_UNREACHABLE: {
    summary: '{host} does not answer on any port from here',
    explanation: 'Every port tried on {host} ({ports}) failed, while other servers answer from this network. The server is down, or its address in DNS is wrong.',
  },
  STARTTLS_PLAINTEXT_INJECTION: {
    summary: 'Plaintext was injected into the STARTTLS upgrade on {endpoint}',
    explanation: 'After the server agreed to start TLS, more unencrypted data arrived before the handshake. maildoctor discarded it, as RFC 3207 requires; a broken server or something on the path (a "security" proxy) did this.',
  },
  SPF_HYBRID_FAIL: {
    summary: '{undecided, select, yes {maildoctor could not tell whether mail from {domain} sent through {host} passes SPF} other {Mail from {domain} sent through {host} may be {fate, select, rejected {rejected} spam {put in spam} other {marked as suspicious}} by recipients}}',
    explanation:
      '{result, select, none {{domain} publishes no SPF policy, so recipients cannot tell that {host} ({ip}) may send for it.} permerror {The SPF policy of {domain} is broken ({reason}): recipients get "permerror" for any server, {host} ({ip}) included.} temperror {The SPF policy of {domain} could not be evaluated for {host} ({ip}): {reason}.} incomplete {The SPF policy of {domain} could not be evaluated for {host} ({ip}): some of the DNS answers it needs could not be had.} neutral {The SPF policy of {domain} makes no statement about {host} ({ip}) (result "neutral").} other {The SPF policy of {domain} does not allow {host} ({ip}): SPF result "{result}"{decidedBy, select, none {} other {, decided by {decidedBy}}}.}} ' +
      '{dmarc, select, reject {{domain} publishes DMARC p=reject: recipients reject mail from {domain} that neither passes SPF for {domain} nor carries a valid DKIM signature of {domain}, and the hybrid server signs nothing for {domain}: SPF alone decides.} quarantine {{domain} publishes DMARC p=quarantine: recipients put in spam mail from {domain} that neither passes SPF for {domain} nor carries a valid DKIM signature of {domain}, and the hybrid server signs nothing for {domain}: SPF alone decides.} none {{domain} publishes DMARC p=none: recipients are only asked to report, but many still count an SPF {result} against the message.} other {{domain} publishes no DMARC policy: each recipient decides on the SPF result alone{result, select, fail {, and a "fail" is often refused} other {}}.}}',
    fix: 'Prefer authenticated submission to your mailbox provider if it offers it; if you manage the domain, allow the hybrid server in its SPF record; otherwise expect some recipients to refuse mail sent this way.',
  },
  HYBRID_RECOMMENDED: {
    summary: 'Send through {host} (this network’s server); keep receiving from your mailbox provider',
    explanation: 'Your mailbox provider’s server does not send for you from here and no authenticated submission was verified, but the SMTP server of the network you are on ({network}) accepts mail from {client}. A hybrid account uses it for sending only.',
    fix: 'Outgoing server: {host}, port {port}, {security}, no authentication. Change it again when you change network.',
  },
  NOTHING_WORKS: {
    summary: 'Nothing works from this network: neither sending nor receiving could be verified',
    explanation: 'No server of this address answered in a usable way from here. The findings above say why for each server.',
  },
  NOT_VERIFIED: {
    summary: '{what, select, blocklistSkipped {The blocklist lookup was not made} blocklistUndecided {The blocklist lookup gave no answer for some lists} other {Logins were not tested (no password given)}}',
    explanation:
      '{what, select, blocklistSkipped {maildoctor would have asked DNS blocklists about your public address, but no public address is known (behind NAT: --echo-url learns it from an echo service).} blocklistUndecided {{refused, select, yes {A list refused the query itself (Spamhaus answers 127.255.255.x to queries through public resolvers, or to too many): that is not a listing. } other {}}Whether {address} is listed on {zones} is not known.} other {Without a password maildoctor can check servers, ports, encryption and whether the server relays for this network, but not that your user name and password work.}}',
    fix: '{what, select, blocklistSkipped {Run again later, or look the address up on the list’s web page.} blocklistUndecided {{refused, select, yes {Run again with your ISP’s resolver (--dns), or look the address up on the list’s web page.} other {Run again later, or look the address up on the list’s web page.}}} other {Run again with --user NAME and the password in MAILDOCTOR_PASSWORD, on stdin (--password-stdin) or at the prompt.}}',
  },
  AUTH_TEMP_FAILURE: {
    summary: '{endpoints} could not check the login right now (a temporary failure on the server’s side)',
    explanation: 'The server answered the login with a temporary failure: its authentication service is failing, overloaded or unreachable from the mail server. The password was not judged, right or wrong; nothing on this network or in your settings causes it.',
    fix: 'Try again later. If it lasts, tell the provider that logins fail with a temporary error. Do not change the password because of this.',
  },
  AUTH_MECHANISM_TOO_WEAK: {
    summary: '{endpoints} refused the login mechanism{mechanisms, select, none {} other { {mechanisms}}} as too weak',
    explanation: 'The server will not take a login with this mechanism{plain, select, yes { on an unencrypted connection} other {}} (SMTP 534, RFC 4954 §6). Servers say this when a password would travel in a form they do not accept here; it says nothing about the password itself.{offered, select, none {} other { The server offers: {offered}.}}',
    fix: '{plain, select, yes {Turn on encryption for this server: SSL/TLS (port 465) or STARTTLS (port 587).} other {Choose another authentication method in the mail client (for example "encrypted password", or OAuth2 where the provider uses it).}}',
  },
  AUTH_ENCRYPTION_REQUIRED: {
    summary: '{endpoints} takes a login only over an encrypted connection',
    explanation: '{plain, select, yes {The server refuses passwords on this unencrypted connection (SMTP 538, IMAP LOGINDISABLED, or POP3 offering only STLS), which protects the password: maildoctor sent none.{elsewhere, select, yes { A login over an encrypted connection to this provider worked.} other {}}} other {The server asked for encryption although the session was already encrypted: its configuration is inconsistent.}}',
    fix: '{plain, select, yes {Set the connection security to SSL/TLS (ports 465, 993, 995) or STARTTLS (ports 587, 143, 110) for this server.} other {Use the server’s other port (465 or 587), and tell the provider that logins over TLS are refused.}}',
  },
  CLIENT_ADDRESS_BLOCKLISTED: {
    summary: 'Your address {address} is on a DNS blocklist: {lists}',
    explanation:
      '{pbl, select, yes {The Spamhaus PBL lists address ranges of consumer connections (home broadband, mobile) that are not meant to send mail directly to other mail servers: the ISP or Spamhaus put the range there. It is not an accusation of spam; mail from such addresses is expected to go through a server that knows the sender: the mailbox provider’s submission service with a password, or the ISP’s relay. } other {}}' +
      '{xbl, select, yes {The XBL lists addresses where a compromised machine (malware, a botnet, an open proxy) was seen: a device on this network may be infected. } other {}}' +
      '{sbl, select, yes {The SBL lists known spam sources (CSS: low-reputation bulk sending; DROP: hijacked ranges). } other {}}' +
      '{othersCount, plural, =0 {} one {{others} also lists this address. } other {{others} also list this address. }}' +
      '{refusedCount, plural, =0 {No server refused this client in this check, but servers that check this list refuse mail sent directly from this address.} other {{refused} refused this client with a permanent error; servers that check blocklists refuse listed addresses exactly so, so the listing is the likely reason (an inference from the listing: the server’s reply in the evidence usually names the list).}}',
    fix: '{pblOnly, select, yes {Do not send directly to other servers on port 25 from this connection: send through your mailbox provider’s submission service with your password (port 587 with STARTTLS, or 465 with SSL/TLS), or through your ISP’s relay.} other {Send through authenticated submission (port 587 or 465 with your password) or the ISP’s relay meanwhile; find and clean an infected device if the XBL lists you, then ask for removal on the list’s lookup page (or ask the ISP).}}',
  },
  PORT_INTERCEPTED_BY_NETWORK: {
    summary: 'This network intercepts port {port}: {hasOwn, select, yes {{own} (this network’s own server)} other {a server of this network that calls itself {name}}} answers in place of {hosts}',
    explanation:
      'Every connection to port {port} is answered by the same server, whoever it was meant for: {hosts} {hostCount, plural, one {greets} other {all greet}} as {name}{hasFingerprint, select, yes { and present the same certificate (SHA-256 {fingerprint}), valid for none of them} other {}}. ' +
      '{controlCount, plural, =0 {} one {An independent control server on port {port} ({controls}) greets with the same name. } other {Independent control servers on port {port} ({controls}) greet with the same name. }}' +
      '{genuineCount, plural, =0 {} other {The same servers present their own certificate, valid for their names, on their other ports ({genuinePorts}). }}' +
      '{hasOwn, select, yes {{own} presents exactly the same greeting. } other {}}' +
      'The network you are on redirects outgoing port {port} to its own server (ISPs, hotels and antivirus gateways do this). The servers you asked for were never reached on that port: their certificate is not wrong, it was never seen.',
    fix: 'Use {port, select, 25 {port 587 (STARTTLS) or 465 (SSL/TLS) with your password} other {another port}}, which this network does not intercept{hasOwn, select, yes {, or send through {own} knowingly (as this network’s server, not as {first})} other {}}. Do not accept the foreign certificate in your mail client.',
  },
  SMTP_INSPECTED_BY_NETWORK: {
    summary: 'A firewall {onThisNetwork, select, yes {on this network} other {on the way}} rewrites SMTP on port {port} and strips its encryption',
    explanation:
      'The SMTP session on port {port} is not what the server sends: the greeting is masked with asterisks and the STARTTLS extension is replaced by XXXXXXXA (or the STARTTLS command is refused), the signature of an SMTP "inspection" fixup such as Cisco PIX/ASA "inspect esmtp". ' +
      '{onThisNetwork, select, yes {Different servers ({hosts}) show the same rewriting, so it happens on this network, before the traffic reaches any of them.} other {Only {hosts} was seen through it, so the firewall may be on this network or in front of that server: the evidence cannot tell which.}} ' +
      'On this port, everything would travel unencrypted, your password included: maildoctor sent none there.',
    fix: 'Do not use port {port} from here. Use port 465 (SSL/TLS), where encryption starts before any SMTP is spoken, so the fixup cannot strip it. The network’s administrator can turn the inspection off ("no inspect esmtp").',
  },
  PATH_MTU_BLACKHOLE: {
    summary: 'TLS to {hosts} ({address}) stalls after the ClientHello on every port: large packets are lost on the way',
    explanation:
      'TCP connects to {address}{plaintext, select, yes { and short plaintext exchanges (greetings, commands) work} other {}}, but on every TLS port ({ports}) not one byte of the server’s TLS reply came back within {waitedMs} ms of the ClientHello, while the TCP connect took a fraction of that (see the evidence). ' +
      'TLS with other servers works from here ({elsewhere}), so TLS itself is fine. The server’s reply is the first packet of the session that fills a full-size packet: a link on the way (a VPN, PPPoE or another tunnel) carries smaller packets, and the ICMP "fragmentation needed" message that would make the server send smaller ones is filtered. This is inferred from the timings; it cannot be seen directly from one end.',
    fix: 'Lower the MTU of the interface you connect through until TLS to the server works (1400 suits most VPN and PPPoE links, 1280 most tunnels, 576 is the IPv4 minimum every path carries); on the router, clamp the TCP MSS to the path MTU (iptables/nftables "TCPMSS clamp-mss-to-pmtu") or let ICMP "fragmentation needed" through.',
  },
  NETWORK_BLOCKS_MAIL: {
    summary: 'This network lets no mail traffic out: every mail port ({ports}) of every outside server fails',
    explanation:
      'No connection to any outside server got through on any mail port: {servers}{controlCount, plural, =0 {} one {, plus # control endpoint} other {, plus # control endpoints}}: {attempts} attempts in all. ' +
      'Meanwhile {controlCount, plural, =0 {} other {the independent control servers ({controls}) fail the same way, }}{ownCount, plural, =0 {} other {this network’s own server {own} answers, }}and DNS answers. ' +
      'The servers are not down: this network (a guest or hotel Wi-Fi, a corporate network) lets only some traffic out, typically the web. Receiving mail is impossible from here. ' +
      '{hasRelay, select, yes {Sending works only through this network’s own server {relayHost} (it relays for you, see the recommendation).} other {Sending is impossible from here too, unless this network has its own SMTP server that relays for you.}}',
    fix: 'Use your provider’s webmail, another network (mobile data) or a VPN for the mail client{hasRelay, select, yes {; to send from here, use {relay} as the outgoing server} other {}}. Ask the network’s administrator to allow ports 993 and 465/587.',
  },
  IPV6_PATH_BROKEN: {
    summary: '{broken, select, 6 {IPv6} other {IPv4}} to {hosts} gets no answer from here, while {broken, select, 6 {IPv4} other {IPv6}} works',
    explanation:
      'Each of these names has both an IPv4 and an IPv6 address. Connections over {broken, select, 6 {IPv4} other {IPv6}} go through; over {broken, select, 6 {IPv6} other {IPv4}} they get no answer at all (dropped on the way). ' +
      '{broken, select, 6 {Mail clients try IPv6 first (RFC 8305 Happy Eyeballs) and fall back to IPv4 only after a delay; older ones wait for a whole timeout, so mail looks slow or fails now and then.} other {Clients that prefer IPv4 wait before trying IPv6, so mail looks slow.}} ' +
      '{addressCount, plural, one {All of them are one address ({addresses}), so the evidence cannot tell whether this network’s {broken, select, 6 {IPv6} other {IPv4}} or the server’s is broken.} other {Different servers ({addresses}) fail the same way, so the broken part is most likely this network’s {broken, select, 6 {IPv6} other {IPv4}} (its router or its provider).}}',
    fix: '{addressCount, plural, one {If other dual-stack servers fail too, fix this network’s {broken, select, 6 {IPv6} other {IPv4}} or turn it off on this interface; otherwise tell the mail provider.} other {Fix this network’s {broken, select, 6 {IPv6} other {IPv4}} (router, provider), or turn it off on this interface until it is fixed.}} The settings below work over {broken, select, 6 {IPv4} other {IPv6}}.',
  },
  TLS_CERT_EXPIRES_SOON: {
    summary: 'The certificate of {hosts} expires in {days, plural, one {# day} other {# days}}, on {validTo}',
    explanation: 'The server presents a valid certificate for {names}, issued by {issuer}, that expires on {validTo}: {days, plural, one {# day} other {# days}} left. Until then everything works; after that mail clients refuse the connection, unless the provider renews it in time (certificates are often renewed only days before).',
    fix: 'Nothing to change on your side today. If mail stops working after that date with a certificate error, tell the provider its certificate has expired.',
  },
  TLS_CERT_CHAIN_INCOMPLETE: {
    summary: '{endpoint} does not send the intermediate certificate its certificate needs',
    explanation:
      'The server presents a {certificate}. It sent {sent, plural, one {# certificate} other {# certificates}}, the last one issued by {lastIssuer}, which it did not send and which is not a trusted root here, so the chain cannot be verified ({trustError}). ' +
      'This is most often a server that leaves out its intermediate certificate: some clients fetch the missing one themselves, many mail clients refuse the connection. (If that issuer is a private CA, it is not trusted here at all.)',
    fix: 'Tell the provider to configure the full chain (its certificate followed by the intermediate). Do not accept the certificate permanently in your mail client.',
  },
  OAUTH_TOKEN_REFUSED: {
    summary: 'The OAuth2 access token was refused by {hosts}',
    explanation:
      'The server refused the token for user {user}.{status, select, none {} other { The server said: {status}{scope, select, none {} other { (it wants the scope {scope})}}.}} ' +
      'Access tokens live about an hour: an expired one is the usual cause; otherwise the token was issued for another account, for another service, or without the mail scope.',
    fix: 'Get a fresh access token for this account with the mail scope (docs/oauth2.md) and run again; the user name must be the account the token was issued to.',
  },

  // Issue 9.
  TLS_CERT_DATES_INVALID: {
    summary: 'The certificate of {endpoint} has validity dates that cannot be read',
    explanation:
      'The server presents a {certificate}. Its validity period says it starts at “{notBefore}” and ends at “{notAfter}”, and at least one of these is not a valid date (RFC 5280 allows only YYMMDDHHMMSSZ or YYYYMMDDHHMMSSZ with real values). ' +
      'No mail client can tell whether such a certificate is still valid, so they refuse the connection. This is a fault in how the certificate was made, not in your settings.',
    fix: 'Tell the provider that the server’s certificate has unreadable validity dates and must be reissued. Do not accept it in your mail client.',
  },
  INCOMING_FAILS_UNEXPLAINED: {
    summary: 'Receiving fails on {count, plural, one {the one incoming server tried} other {all # incoming servers tried}}: {codes}',
    explanation:
      'maildoctor tried {endpoints}. The attempts ended with {codes}, and no other finding here explains that. ' +
      'A code says at which step a conversation stopped (the evidence shows each one), not why: from this evidence the server, its configuration and something on the network between are all possible causes.',
    fix: 'Run “maildoctor probe” on one of these servers to see the whole conversation, and send it with this report to your mail provider.',
  },
};
