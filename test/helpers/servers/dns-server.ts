/**
 * A small authoritative DNS server for tests, on dns-packet, UDP and TCP on one port chosen at run time.
 * It serves zones written in a zone-file-like text (fixtures/discovery/zones/*.zone) and can be told to
 * misbehave, globally or per name: stay silent, SERVFAIL, REFUSED, truncate UDP answers (TC bit) so the client
 * must retry over TCP, send undecodable bytes, or answer with the wrong id or the wrong question.
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { readFileSync } from 'node:fs';
import * as packet from 'dns-packet';

export type Misbehaviour = 'answer' | 'silent' | 'servfail' | 'refused' | 'truncate' | 'malformed' | 'wrong-id' | 'wrong-question' | 'drop-first';

export interface ZoneRecord {
  name: string;
  type: 'A' | 'AAAA' | 'MX' | 'SRV' | 'TXT' | 'PTR' | 'CNAME';
  data: unknown;
}

/** Parse `name TYPE rdata` lines; `;` starts a comment; TXT rdata is one or more "quoted strings". */
export function parseZone(text: string): ZoneRecord[] {
  const out: ZoneRecord[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/(^|\s);.*$/, '').trim();
    if (line === '') continue;
    const m = /^(\S+)\s+(A|AAAA|MX|SRV|TXT|PTR|CNAME)\s+(.*)$/.exec(line);
    if (!m) throw new Error(`bad zone line: ${raw}`);
    const name = abs(m[1]!);
    const type = m[2] as ZoneRecord['type'];
    const rdata = m[3]!.trim();
    const f = rdata.split(/\s+/);
    switch (type) {
      case 'A':
      case 'AAAA':
        out.push({ name, type, data: f[0] });
        break;
      case 'PTR':
      case 'CNAME':
        out.push({ name, type, data: abs(f[0]!) });
        break;
      case 'MX':
        out.push({ name, type, data: { preference: Number(f[0]), exchange: f[1] === '.' ? '.' : abs(f[1]!) } });
        break;
      case 'SRV':
        out.push({ name, type, data: { priority: Number(f[0]), weight: Number(f[1]), port: Number(f[2]), target: f[3] === '.' ? '.' : abs(f[3]!) } });
        break;
      case 'TXT': {
        const strings = [...rdata.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((x) => x[1]!.replace(/\\(.)/g, '$1'));
        out.push({ name, type, data: strings });
        break;
      }
    }
  }
  return out;
}

function abs(name: string): string {
  return (name.endsWith('.') ? name.slice(0, -1) : name).toLowerCase();
}

export function loadZone(...files: string[]): ZoneRecord[] {
  return files.flatMap((f) => parseZone(readFileSync(f, 'utf8')));
}

export interface QueryLog {
  name: string;
  type: string;
  transport: 'udp' | 'tcp';
}

export class TestDnsServer {
  /** What every name gets unless `overrides` says otherwise. */
  mode: Misbehaviour = 'answer';
  /** Per-name (lower case) behaviour. */
  readonly overrides = new Map<string, Misbehaviour>();
  /**
   * What names outside every zone get, when set: a resolver that serves only its own zones (a captive portal,
   * a provider's resolver for its customers) answers REFUSED or SERVFAIL there. A zone is the domain of a
   * record's owner name minus its first label, or the owner itself for an apex record.
   */
  outsideZones?: Misbehaviour;
  readonly queries: QueryLog[] = [];
  /** 'drop-first': questions whose first UDP datagram was already dropped. */
  readonly #dropped = new Set<string>();
  records: ZoneRecord[];
  readonly #udp: dgram.Socket;
  readonly #tcp: net.Server;
  readonly #sockets = new Set<net.Socket>();

  private constructor(records: ZoneRecord[], udp: dgram.Socket, tcp: net.Server) {
    this.records = records;
    this.#udp = udp;
    this.#tcp = tcp;
    udp.on('message', (msg, rinfo) => this.#onUdp(msg, rinfo));
    tcp.on('connection', (s) => this.#onTcp(s));
  }

  /** Listen on `host` (127.0.0.1) on a free port, the same number for UDP and TCP. */
  static async start(records: ZoneRecord[], options: { host?: string; port?: number } = {}): Promise<TestDnsServer> {
    const host = options.host ?? '127.0.0.1';
    for (let i = 0; i < 20; i++) {
      const udp = dgram.createSocket(net.isIPv6(host) ? 'udp6' : 'udp4');
      await new Promise<void>((res, rej) => {
        udp.once('error', rej);
        udp.bind(options.port ?? 0, host, () => res());
      });
      const port = udp.address().port;
      const tcp = net.createServer();
      const ok = await new Promise<boolean>((res) => {
        tcp.once('error', () => res(false));
        tcp.listen(port, host, () => res(true));
      });
      if (ok) return new TestDnsServer(records, udp, tcp);
      udp.close();
      if (options.port) throw new Error(`TCP port ${port} is taken`);
    }
    throw new Error('no free port for UDP and TCP');
  }

  get host(): string {
    return this.#udp.address().address;
  }

  get port(): number {
    return this.#udp.address().port;
  }

  /** `host:port`, as the `dns` option takes it. */
  get spec(): string {
    return `${this.host}:${this.port}`;
  }

  behaviourFor(name: string): Misbehaviour {
    const key = name.toLowerCase();
    const own = this.overrides.get(key);
    if (own) return own;
    if (this.outsideZones && !this.#inZones(key)) return this.outsideZones;
    return this.mode;
  }

  #inZones(name: string): boolean {
    return this.records.some((r) => {
      const apex = r.name.split('.').length > 2 ? r.name.slice(r.name.indexOf('.') + 1) : r.name;
      return name === apex || name.endsWith(`.${apex}`) || name === r.name;
    });
  }

  async stop(): Promise<void> {
    for (const s of this.#sockets) s.destroy();
    await new Promise<void>((res) => this.#udp.close(() => res()));
    await new Promise<void>((res) => this.#tcp.close(() => res()));
  }

  /** Build the response bytes for a query, or null to stay silent. */
  respond(query: Buffer, transport: 'udp' | 'tcp'): Buffer | null {
    let q: packet.Packet;
    try {
      q = packet.decode(query);
    } catch {
      return null;
    }
    const question = q.questions?.[0];
    if (!question) return null;
    this.queries.push({ name: question.name.toLowerCase(), type: question.type, transport });
    const mode = this.behaviourFor(question.name);
    const base = { type: 'response' as const, id: q.id ?? 0, questions: [question] };
    const AA_RA = packet.AUTHORITATIVE_ANSWER | packet.RECURSION_AVAILABLE;
    switch (mode) {
      case 'silent':
        return null;
      case 'drop-first': {
        // A lost datagram: the first query for each question goes unanswered, retries are answered.
        const key = `${question.type} ${question.name.toLowerCase()}`;
        if (transport === 'udp' && !this.#dropped.has(key)) {
          this.#dropped.add(key);
          return null;
        }
        break;
      }
      case 'servfail':
        return packet.encode({ ...base, flags: packet.RECURSION_AVAILABLE | 2 });
      case 'refused':
        return packet.encode({ ...base, flags: 5 });
      case 'malformed':
        // A header that promises an answer record, followed by a name whose compression pointer points forward.
        return Buffer.from([((q.id ?? 0) >> 8) & 0xff, (q.id ?? 0) & 0xff, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0, 0xc0, 0x40, 0, 1]);
      case 'wrong-id':
        return packet.encode({ ...base, id: ((q.id ?? 0) + 1) & 0xffff, flags: AA_RA, answers: this.#answers(question.name, question.type) });
      case 'wrong-question':
        return packet.encode({ ...base, questions: [{ ...question, name: `other.${question.name}` }], flags: AA_RA });
      case 'truncate':
        if (transport === 'udp') return packet.encode({ ...base, flags: AA_RA | packet.TRUNCATED_RESPONSE });
        break;
      case 'answer':
        break;
    }
    const exists = this.records.some((r) => r.name === question.name.toLowerCase());
    if (!exists) return packet.encode({ ...base, flags: AA_RA | 3 }); // NXDOMAIN
    return packet.encode({ ...base, flags: AA_RA, answers: this.#answers(question.name, question.type) });
  }

  #answers(name: string, type: string): packet.Answer[] {
    const out: packet.Answer[] = [];
    let current = name.toLowerCase();
    for (let hop = 0; hop < 8; hop++) {
      const cname = this.records.find((r) => r.name === current && r.type === 'CNAME');
      if (cname && type !== 'CNAME') {
        out.push({ name: current, type: 'CNAME', ttl: 60, data: cname.data as string });
        current = cname.data as string;
        continue;
      }
      break;
    }
    for (const r of this.records.filter((x) => x.name === current && x.type === type)) {
      out.push({ name: r.name, type: r.type, ttl: 60, data: r.data } as packet.Answer);
    }
    return out;
  }

  #onUdp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const res = this.respond(msg, 'udp');
    if (res) this.#udp.send(res, rinfo.port, rinfo.address);
  }

  #onTcp(socket: net.Socket): void {
    this.#sockets.add(socket);
    socket.on('close', () => this.#sockets.delete(socket));
    socket.on('error', () => undefined);
    let buf = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const len = buf.readUInt16BE(0);
        const res = this.respond(buf.subarray(2, 2 + len), 'tcp');
        buf = buf.subarray(2 + len);
        if (res) {
          const framed = Buffer.alloc(2 + res.length);
          framed.writeUInt16BE(res.length, 0);
          res.copy(framed, 2);
          socket.write(framed);
        }
      }
    });
  }
}

/** A UDP port on 127.0.0.1 where nothing listens (bound then closed): queries to it draw ICMP port unreachable. */
export async function closedUdpPort(): Promise<number> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((res) => s.bind(0, '127.0.0.1', () => res()));
  const port = s.address().port;
  await new Promise<void>((res) => s.close(() => res()));
  return port;
}
