import { isIPv4 } from 'node:net';
import { ipToBigint } from '../ipam';
import type { DnsContainer, DnsDirectory, DnsNetwork } from './directory';

/**
 * Which names a container can resolve, from the live state (so a connect,
 * disconnect or rm shows in the next answer). Each network's names are
 * indexed (name -> entries, address -> entry) and the index kept while the
 * directory's revision stays the same: a query costs a few map lookups
 * however many containers the network has, and a change costs one rebuild
 * of the networks asked about next.
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
  container: DnsContainer;
  network: DnsNetwork;
  ipv4?: string;
  ipv6?: string;
}

/** One network's names: every entry, by name and by address. */
interface NetworkIndex {
  revision: number | undefined;
  network: DnsNetwork;
  byName: Map<string, Entry[]>;
  byAddress: Map<string, Entry>;
}

export class Names {
  private readonly indexes = new Map<string, NetworkIndex>();

  constructor(private readonly directory: DnsDirectory) {}

  lookup(asker: DnsContainer, qname: string, qtype: string): Lookup {
    const name = qname.toLowerCase().replace(/\.$/, '');
    const networks = this.visible(asker);
    if (qtype === 'PTR') return this.reverse(networks, name);
    const hits = networks.flatMap((n) => n.byName.get(name) ?? []);
    if (hits.length === 0) {
      // A single label, or a name under one of the asker's networks, is ours
      // to refuse: it is never sent upstream (no container name leaks out).
      const ours = !name.includes('.') || networks.some((n) => name.endsWith(`.${n.network.name.toLowerCase()}`));
      return ours ? { kind: 'nxdomain' } : { kind: 'forward' };
    }
    if (qtype !== 'A' && qtype !== 'AAAA') return { kind: 'nodata' };
    const data = [...new Set(hits.map((e) => (qtype === 'A' ? e.ipv4 : e.ipv6)).filter((a): a is string => !!a))];
    if (!data.length) return { kind: 'nodata' };
    return { kind: 'records', type: qtype, data: shuffle(data) };
  }

  /** The indexes of the asker's user-defined networks (the default bridge resolves no names). */
  private visible(asker: DnsContainer): NetworkIndex[] {
    const out: NetworkIndex[] = [];
    for (const networkId of new Set(asker.endpoints.map((e) => e.networkId))) {
      const index = this.index(networkId);
      if (index && !index.network.isDefault) out.push(index);
    }
    return out;
  }

  /** A network's index, made again when the directory has moved on (or has no revision to tell). */
  private index(networkId: string): NetworkIndex | undefined {
    const revision = this.directory.revision?.();
    const have = this.indexes.get(networkId);
    if (have && revision !== undefined && have.revision === revision) return have;
    const network = this.directory.network(networkId);
    if (!network) {
      this.indexes.delete(networkId);
      return undefined;
    }
    const index: NetworkIndex = { revision, network, byName: new Map(), byAddress: new Map() };
    const net = network.name.toLowerCase();
    if (!network.isDefault)
      for (const c of this.directory.members(networkId)) {
        for (const ep of c.endpoints) {
          if (ep.networkId !== networkId) continue;
          const base = [c.name, c.id.slice(0, 12), ...(c.hostname && c.hostname !== c.id.slice(0, 12) ? [c.hostname] : []), ...c.aliases(networkId)].map((n) => n.toLowerCase());
          const entry: Entry = { names: [...base, ...base.map((n) => `${n}.${net}`)], container: c, network, ipv4: ep.ipv4, ipv6: ep.ipv6 };
          for (const n of new Set(entry.names)) index.byName.set(n, [...(index.byName.get(n) ?? []), entry]);
          for (const ip of [ep.ipv4, ep.ipv6]) if (ip && !index.byAddress.has(addressKey(ip))) index.byAddress.set(addressKey(ip), entry);
        }
      }
    this.indexes.set(networkId, index);
    return index;
  }

  private reverse(networks: NetworkIndex[], name: string): Lookup {
    const ip = fromArpa(name);
    if (!ip) return { kind: 'forward' };
    const hit = networks.map((n) => n.byAddress.get(addressKey(ip))).find((e) => e !== undefined);
    if (!hit) return { kind: 'forward' };
    return { kind: 'records', type: 'PTR', data: [`${hit.container.name}.${hit.network.name}`] };
  }
}

/** An address as a key, whatever its text form ("2001:db8::1" and "2001:db8:0::1" alike). */
function addressKey(ip: string): string {
  return `${isIPv4(ip) ? 4 : 6}/${ipToBigint(ip)}`;
}

/** "2.0.18.172.in-addr.arpa" -> "172.18.0.2"; nibble form for ip6.arpa; undefined for anything else. */
export function fromArpa(name: string): string | undefined {
  // Octets as an address has them: 0-255, no leading zero (a container may ask for anything).
  const v4 = /^((?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){4})in-addr\.arpa$/.exec(name);
  if (v4) return v4[1]!.split('.').filter(Boolean).reverse().join('.');
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
