import type { NodeStatus } from '../../cluster/membership';
import type { OverlayKeys } from '../../daemon/overlay-keys';
import { UsageError, parseOptions } from '../args';
import type { Client } from '../client';
import { formatListing, table } from '../format';
import { specOf } from '../spec';

/** `ferry node ls|keys|rotate-keys`: the daemons of the cluster, and the keys of its encrypted overlays. */
export async function nodeCommand(args: string[], client: Client, out: (line: string) => void): Promise<number> {
  const sub = args[0] === 'list' ? 'ls' : args[0];
  if (sub !== 'ls' && sub !== 'keys' && sub !== 'rotate-keys') throw new UsageError(`unknown node command "${args[0] ?? ''}" (accepted: ls, keys, rotate-keys)`);
  const { options: o, rest } = parseOptions(specOf(`node ${sub}`), args.slice(1));
  if (rest.length) throw new UsageError(`"node ${sub}" takes no arguments (got "${rest.join(' ')}")`);
  if (sub === 'ls') {
    const nodes = await client.request<NodeStatus[]>('GET', '/v1/nodes');
    const rows = nodes.map((n) => ({ ID: `${n.id}${n.self ? ' *' : ''}`, Hostname: n.hostname, Address: n.advertise, Status: n.status === 'up' ? 'Ready' : 'Down' }));
    formatListing({ headers: { ID: 'ID', Hostname: 'HOSTNAME', Address: 'ADDRESS', Status: 'STATUS' }, columns: ['ID', 'Hostname', 'Address', 'Status'], rows }, o.format as string | undefined).forEach((l) => out(l));
  } else if (sub === 'keys') {
    const keys = await client.request<ReturnType<OverlayKeys['state']>>('GET', '/v1/nodes/keys');
    if (o.json) {
      out(JSON.stringify(keys, null, 4));
      return 0;
    }
    const hex = (spi: number) => `0x${spi.toString(16).padStart(8, '0')}`;
    out(keys.epoch === undefined ? 'no keys yet (made with the first encrypted network)' : `epoch ${keys.epoch} since ${keys.since}, rotated every ${keys.rotationSeconds}s`);
    if (keys.peers.length)
      out(table(['PEER', 'SEAL EPOCH', 'SEAL SPI', 'SEALED', 'OPEN SPIS'], keys.peers.map((p) => [p.peer, String(p.sendEpoch), hex(p.sendSpi), String(p.sent), p.receiveSpis.map(hex).join(',')])));
  } else {
    const r = await client.request<{ epoch: number }>('POST', '/v1/nodes/keys/rotate');
    out(`epoch ${r.epoch}`);
  }
  return 0;
}
