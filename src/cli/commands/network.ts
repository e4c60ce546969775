import { UsageError, parseOptions } from '../args';
import { specOf } from '../spec';
import { formatListing, printInspect } from '../format';
import type { Client } from '../client';

type Inspect = { Name: string; Id: string; Driver: string; Scope: string; EnableIPv6: boolean; Internal: boolean; Labels: Record<string, string>; Created: string };


const USAGE = 'ferry network create|ls|inspect|rm|prune|connect|disconnect ...';

export async function networkCommand(args: string[], client: Client, out: (s: string) => void): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'create': {
      const { options: o, rest: names } = parseOptions(specOf('network create'), rest);
      if (names.length !== 1) throw new UsageError('"network create" takes exactly one NAME: ferry network create [OPTIONS] NAME');
      const n = await client.request<Inspect>('POST', '/v1/networks', {
        name: names[0],
        driver: o.driver,
        subnets: o.subnet,
        gateways: o.gateway,
        ipRanges: o['ip-range'],
        auxAddresses: Object.fromEntries((o['aux-address'] as [string, string][] | undefined) ?? []),
        internal: !!o.internal,
        ipv6: !!o.ipv6,
        attachable: !!o.attachable,
        labels: Object.fromEntries((o.label as [string, string][] | undefined) ?? []),
        options: Object.fromEntries((o.opt as [string, string][] | undefined) ?? []),
      });
      out(n.Id);
      return 0;
    }
    case 'ls':
    case 'list': {
      const { options: o, rest: extra } = parseOptions(specOf('network ls'), rest);
      if (extra.length) throw new UsageError(`"network ls" takes no arguments (got "${extra.join(' ')}")`);
      const nets = await client.request<Inspect[]>('GET', '/v1/networks');
      const trunc = !o['no-trunc'];
      if (o.quiet) nets.forEach((n) => out(trunc ? n.Id.slice(0, 12) : n.Id));
      else {
        const rows = nets.map((n) => ({ CreatedAt: n.Created, Driver: n.Driver, ID: trunc ? n.Id.slice(0, 12) : n.Id, IPv6: String(n.EnableIPv6), Internal: String(n.Internal), Labels: Object.entries(n.Labels).map(([k, v]) => `${k}=${v}`).join(','), Name: n.Name, Scope: n.Scope }));
        formatListing({ headers: { ID: 'NETWORK ID', CreatedAt: 'CREATED' }, columns: ['ID', 'Name', 'Driver', 'Scope'], rows }, o.format as string | undefined).forEach((l) => out(l));
      }
      return 0;
    }
    case 'inspect': {
      const { options: o, rest: refs } = parseOptions(specOf('network inspect'), rest);
      if (!refs.length) throw new UsageError('"network inspect" needs at least one NAME');
      const all = [];
      for (const r of refs) all.push(await client.request('GET', `/v1/networks/${encodeURIComponent(r)}`));
      printInspect(all, o.format as string | undefined, out);
      return 0;
    }
    case 'rm':
    case 'remove': {
      const { rest: refs } = parseOptions(specOf('network rm'), rest);
      if (!refs.length) throw new UsageError('"network rm" needs at least one NAME');
      for (const r of refs) {
        await client.request('DELETE', `/v1/networks/${encodeURIComponent(r)}`);
        out(r);
      }
      return 0;
    }
    case 'prune': {
      parseOptions(specOf('network prune'), rest);
      const r = await client.request<{ removed: string[] }>('POST', '/v1/networks/prune');
      if (r.removed.length) out(`Deleted Networks:\n${r.removed.join('\n')}`);
      return 0;
    }
    case 'connect': {
      const { options: o, rest: pos } = parseOptions(specOf('network connect'), rest);
      if (pos.length !== 2) throw new UsageError('"network connect" takes NETWORK CONTAINER: ferry network connect [OPTIONS] NETWORK CONTAINER');
      await client.request('POST', `/v1/networks/${encodeURIComponent(pos[0]!)}/connect`, { container: pos[1], ip: o.ip, ip6: o.ip6, aliases: o.alias });
      return 0;
    }
    case 'disconnect': {
      const { rest: pos } = parseOptions(specOf('network disconnect'), rest);
      if (pos.length !== 2) throw new UsageError('"network disconnect" takes NETWORK CONTAINER');
      await client.request('POST', `/v1/networks/${encodeURIComponent(pos[0]!)}/disconnect`, { container: pos[1] });
      return 0;
    }
    default:
      throw new UsageError(`unknown network command "${sub ?? ''}" (accepted: create, ls, inspect, rm, prune, connect, disconnect): ${USAGE}`);
  }
}
