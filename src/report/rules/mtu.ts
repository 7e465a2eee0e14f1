import { unique } from '../analysis.js';
import { tlsStalls } from '../network.js';
import type { Finding } from '../types.js';
import type { Rule } from './types.js';

/**
 * A path-MTU black hole (RFC 2923 §2.1): a link on the way (VPN, PPPoE, a tunnel) carries smaller packets
 * than the ends use, and the ICMP "fragmentation needed" (type 3 code 4) that would tell the server to send
 * smaller ones is filtered. Connects and short exchanges work; the server's TLS flight, the first full-size
 * packets of the session, never arrives. See tlsStalls().
 */
export const mtuRule: Rule = (facts) =>
  tlsStalls(facts).map((s): Finding => {
    const hosts = unique(s.stalled.map((p) => p.host));
    const ports = unique(s.stalled.map((p) => p.port)).sort((a, b) => a - b);
    const waited = Math.min(...s.stalled.map((p) => p.result.tlsHandshake!.durationMs));
    const elsewhere = unique(s.elsewhere.map((p) => `${p.host}:${p.port}`));
    return {
      code: 'PATH_MTU_BLACKHOLE',
      severity: 'error',
      summary: `TLS to ${hosts.join(', ')} (${s.address}) stalls after the ClientHello on every port: large packets are lost on the way`,
      explanation:
        `TCP connects to ${s.address}${s.plaintext.length ? ' and short plaintext exchanges (greetings, commands) work' : ''}, but on every TLS port (${ports.join(', ')}) not one byte of the server’s TLS reply came back within ${Math.round(waited)} ms of the ClientHello, while the TCP connect took a fraction of that (see the evidence). ` +
        `TLS with other servers works from here (${elsewhere.slice(0, 3).join(', ')}), so TLS itself is fine. The server’s reply is the first packet of the session that fills a full-size packet: a link on the way (a VPN, PPPoE or another tunnel) carries smaller packets, and the ICMP "fragmentation needed" message that would make the server send smaller ones is filtered. This is inferred from the timings; it cannot be seen directly from one end.`,
      evidence: s.stalled.map((p) => {
        const h = p.result.tlsHandshake!;
        return `[${p.id}] TLS ${h.completed ? 'completed' : 'stalled'}: ${h.serverBytes} bytes from the server in ${Math.round(h.durationMs)} ms (TCP round trip ${h.tcpRttMs !== undefined ? `${Math.round(h.tcpRttMs)} ms` : 'unknown'}, stall cap ${Math.round(h.firstFlightCapMs)} ms)`;
      }),
      fix: 'Lower the MTU of the interface you connect through until TLS to the server works (1400 suits most VPN and PPPoE links, 1280 most tunnels, 576 is the IPv4 minimum every path carries); on the router, clamp the TCP MSS to the path MTU (iptables/nftables "TCPMSS clamp-mss-to-pmtu") or let ICMP "fragmentation needed" through.',
      probes: s.stalled.map((p) => p.id),
    };
  });
