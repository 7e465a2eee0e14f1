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
  tlsStalls(facts).map(
    (s): Finding => ({
      code: 'PATH_MTU_BLACKHOLE',
      severity: 'error',
      params: {
        address: s.address,
        hosts: unique(s.stalled.map((p) => p.host)),
        ports: unique(s.stalled.map((p) => p.port)).sort((a, b) => a - b).map(String),
        plaintext: s.plaintext.length ? 'yes' : 'no',
        waitedMs: Math.round(Math.min(...s.stalled.map((p) => p.result.tlsHandshake!.durationMs))),
        elsewhere: unique(s.elsewhere.map((p) => `${p.host}:${p.port}`)).slice(0, 3),
      },
      evidence: s.stalled.map((p) => {
        const h = p.result.tlsHandshake!;
        return `[${p.id}] TLS ${h.completed ? 'completed' : 'stalled'}: ${h.serverBytes} bytes from the server in ${Math.round(h.durationMs)} ms (TCP round trip ${h.tcpRttMs !== undefined ? `${Math.round(h.tcpRttMs)} ms` : 'unknown'}, stall cap ${Math.round(h.firstFlightCapMs)} ms)`;
      }),
      probes: s.stalled.map((p) => p.id),
    }),
  );
