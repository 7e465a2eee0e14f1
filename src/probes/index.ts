/**
 * The probe registry: one probe per protocol, all of one signature (blackbox_exporter's prober map).
 */
import type { Probe, Protocol } from '../lib/types.js';
import { probeImap } from './imap.js';
import { probeImaps } from './imaps.js';
import { probePop3 } from './pop3.js';
import { probePop3s } from './pop3s.js';
import { probeSmtp } from './smtp.js';
import { probeSmtps } from './smtps.js';
import { probeTcp } from './tcp.js';

export const probes: Readonly<Record<Protocol, Probe>> = Object.freeze({
  smtp: probeSmtp,
  smtps: probeSmtps,
  pop3: probePop3,
  pop3s: probePop3s,
  imap: probeImap,
  imaps: probeImaps,
  tcp: probeTcp,
});

export const PROTOCOLS = Object.keys(probes) as Protocol[];

export function isProtocol(name: string): name is Protocol {
  return Object.hasOwn(probes, name);
}

export { probeImap, probeImaps, probePop3, probePop3s, probeSmtp, probeSmtps, probeTcp };
