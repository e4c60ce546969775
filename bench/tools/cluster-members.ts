import { Membership } from '../../src/cluster/membership';
import { OverlayStore } from '../../src/cluster/overlay-store';
import { ClusterView } from '../../src/cluster/view';

/**
 * The overlay's control plane alone, for suite overlay-control: N members
 * of one cluster in this process (each its own etcd client, lease and watch,
 * as N daemons have), then SAMPLES times: member 0 announces an endpoint,
 * and the time until every member's view holds it is measured; then it is
 * withdrawn, and the time until every view has dropped it. Prints
 * {"announce_ms": [...], "withdraw_ms": [...]} as JSON.
 * Usage: node cluster-members.js HOST:PORT N SAMPLES
 */
const [store, nArg, samplesArg] = process.argv.slice(2);
const n = Number(nArg);
const samples = Number(samplesArg);

async function main(): Promise<void> {
  const members = await Promise.all(
    Array.from({ length: n }, (_, i) => Membership.join({ hosts: [`http://${store}`], id: `bench${String(i).padStart(3, '0')}`, advertise: `192.0.2.${10 + (i % 200)}`, ttlSeconds: 10, timeoutMs: 10_000, onLost: () => undefined })),
  );
  const views = members.map((m) => new ClusterView(m.kv));
  await Promise.all(views.map((v) => v.start()));
  const writer = new OverlayStore(members[0]!.kv, (p) => members[0]!.bounded(p));
  const network = 'b'.repeat(64);
  const announce: number[] = [];
  const withdraw: number[] = [];
  const until = async (done: () => boolean) => {
    const t0 = process.hrtime.bigint();
    while (!done()) await new Promise((r) => setImmediate(r));
    return Number(process.hrtime.bigint() - t0) / 1e6;
  };
  for (let s = 0; s < samples; s++) {
    const endpointId = s.toString(16).padStart(64, '0');
    const t0 = process.hrtime.bigint();
    await writer.announce({ networkId: network, endpointId, containerId: endpointId, name: `e${s}`, hostname: `e${s}`, aliases: [], mac: '02:42:0a:00:00:02', ipv4: '10.0.0.2', node: members[0]!.self.id });
    const everywhere = () => views.every((v) => v.endpoints(network).some((e) => e.endpointId === endpointId));
    await until(everywhere);
    announce.push(Number(process.hrtime.bigint() - t0) / 1e6);
    const t1 = process.hrtime.bigint();
    await writer.withdraw(network, endpointId);
    await until(() => views.every((v) => !v.endpoints(network).some((e) => e.endpointId === endpointId)));
    withdraw.push(Number(process.hrtime.bigint() - t1) / 1e6);
  }
  await Promise.all(views.map((v, i) => v.stop((p) => members[i]!.bounded(p))));
  await Promise.all(members.map((m) => m.leave()));
  process.stdout.write(`${JSON.stringify({ announce_ms: announce, withdraw_ms: withdraw })}\n`);
}

main().catch((e: Error) => {
  process.stderr.write(`cluster-members: ${e.message}\n`);
  process.exit(1);
});
