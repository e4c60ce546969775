import { isIPv4 } from 'node:net';
import { ipToBigint } from '../ipam';
import type { ContainerDoc, NetworkDoc } from '../daemon/model';
import type { State } from '../daemon/state';

/**
 * Which names a container can resolve, read from the live state on every
 * query (so a connect, disconnect or rm shows in the next answer).
 *
 * A container resolves the containers of its user-defined networks, and only
 * those: on the default bridge names do not resolve, as in Docker. On each
 * network a container answers to its name, its short id, its hostname when
 * one was given, and its aliases on that network, each also with the
 * network's name as a domain ("web" and "web.mynet"). An alias shared by
 * several containers answers with all their addresses, in random order.
 */
export type Lookup = { kind: 'records'; type: 'A' | 'AAAA' | 'PTR'; data: string[] } | { kind: 'nxdomain' } | { kind: 'nodata' } | { kind: 'forward' };

interface Entry {
  names: string[];
  container: ContainerDoc;
  network: NetworkDoc;
  ipv4?: string;
  ipv6?: string;
}

export class Names {
  constructor(private readonly state: State) {}

  lookup(asker: ContainerDoc, qname: string, qtype: string): Lookup {
    const name = qname.toLowerCase().replace(/\.$/, '');
    const entries = this.visible(asker);
    if (qtype === 'PTR') return this.reverse(entries, name);
    const hits = entries.filter((e) => e.names.includes(name));
    if (hits.length === 0) {
      // A single label, or a name under one of the asker's networks, is ours
      // to refuse: it is never sent upstream (no container name leaks out).
      const ours = !name.includes('.') || entries.some((e) => name.endsWith(`.${e.network.name.toLowerCase()}`));
      return ours ? { kind: 'nxdomain' } : { kind: 'forward' };
    }
    if (qtype !== 'A' && qtype !== 'AAAA') return { kind: 'nodata' };
    const data = [...new Set(hits.map((e) => (qtype === 'A' ? e.ipv4 : e.ipv6)).filter((a): a is string => !!a))];
    if (!data.length) return { kind: 'nodata' };
    return { kind: 'records', type: qtype, data: shuffle(data) };
  }

  private visible(asker: ContainerDoc): Entry[] {
    const networks = new Set(asker.endpoints.map((e) => e.networkId).filter((id) => !this.state.networks.get(id)?.isDefault));
    const out: Entry[] = [];
    for (const c of this.state.containers.values()) {
      if (c.state !== 'running' || c.mode.kind !== 'bridge') continue;
      for (const ep of c.endpoints) {
        if (!networks.has(ep.networkId)) continue;
        const network = this.state.networks.get(ep.networkId)!;
        const req = c.mode.networks.find((r) => r.networkId === ep.networkId);
        const base = [c.name, c.id.slice(0, 12), ...(c.hostname && c.hostname !== c.id.slice(0, 12) ? [c.hostname] : []), ...(req?.aliases ?? [])].map((n) => n.toLowerCase());
        const net = network.name.toLowerCase();
        out.push({ names: [...base, ...base.map((n) => `${n}.${net}`)], container: c, network, ipv4: ep.ipv4, ipv6: ep.ipv6 });
      }
    }
    return out;
  }

  private reverse(entries: Entry[], name: string): Lookup {
    const ip = fromArpa(name);
    if (!ip) return { kind: 'forward' };
    const want = ipToBigint(ip);
    const hit = entries.find((e) => (isIPv4(ip) ? e.ipv4 : e.ipv6) !== undefined && ipToBigint((isIPv4(ip) ? e.ipv4 : e.ipv6)!) === want);
    if (!hit) return { kind: 'forward' };
    return { kind: 'records', type: 'PTR', data: [`${hit.container.name}.${hit.network.name}`] };
  }
}

/** "2.0.18.172.in-addr.arpa" -> "172.18.0.2"; nibble form for ip6.arpa. */
export function fromArpa(name: string): string | undefined {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\.in-addr\.arpa$/.exec(name);
  if (v4) return [v4[4], v4[3], v4[2], v4[1]].join('.');
  const v6 = /^((?:[0-9a-f]\.){32})ip6\.arpa$/.exec(name);
  if (v6) {
    const hex = v6[1]!.split('.').filter(Boolean).reverse().join('');
    return hex.match(/.{4}/g)!.join(':');
  }
  return undefined;
}

function shuffle<T>(xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}
