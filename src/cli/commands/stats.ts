import type { DaemonStats } from '../../daemon/daemon';
import { table } from '../format';

/** `ferry stats`: a table per port (named by what it carries) and per network. */
export function formatDaemonStats(s: DaemonStats): string {
  const drops = (d: Record<string, number>) => Object.entries(d).filter(([, n]) => n > 0).map(([r, n]) => `${r}=${n}`).join(' ') || '0';
  const ports = table(
    ['PORT', 'CARRIES', 'RX PACKETS', 'RX BYTES', 'TX PACKETS', 'TX BYTES', 'DROPS'],
    s.ports.map((p) => [String(p.id), p.carries ?? p.name, String(p.rxPackets), String(p.rxBytes), String(p.txPackets), String(p.txBytes), drops(p.drops)]),
  );
  const nets = table(
    ['NETWORK', 'PORTS', 'MACS', 'UNICAST', 'FLOODED', 'LEARNED', 'MOVED', 'REFUSED (FULL)'],
    s.domains.map((d) => [d.network ?? `domain ${d.id}`, String(d.ports), String(d.macEntries), String(d.bridge.unicast), String(d.bridge.flood_multicast + d.bridge.flood_unknown), String(d.bridge.learned), String(d.bridge.moved), String(d.bridge.learn_refused_full)]),
  );
  const w = s.worker;
  return `${ports}\n\n${nets}\n\nworker: ${w.packets} packets in ${w.batches} batches, ${w.wakeups} wake-ups; parse dropped ${s.stages.parse.dropped}`;
}

/** `ferry stats --stages`: where the time goes, stage by stage (sampled on one run in 16), and each stage's outcomes. */
export function formatStageStats(s: DaemonStats): string {
  const rows = Object.entries(s.stages).map(([name, st]) => {
    const outcomes = Object.entries(st)
      .filter(([k, v]) => !['packets', 'batches', 'nsPerPacket'].includes(k) && v > 0)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
    return [name, String(st.packets), String(st.batches), st.packets ? (st.packets / Math.max(st.batches, 1)).toFixed(1) : '-', st.nsPerPacket ? st.nsPerPacket.toFixed(1) : '-', outcomes || '-'];
  });
  const w = s.worker;
  const busy = w.uptimeNs ? ((100 * w.busyNs) / w.uptimeNs).toFixed(2) : '0';
  return `${table(['STAGE', 'PACKETS', 'RUNS', 'PER RUN', 'NS/PACKET', 'OUTCOMES'], rows)}\n\nworker: busy ${busy}% of ${(w.uptimeNs / 1e9).toFixed(0)} s, ${w.wakeups} wake-ups, ${w.polls} polls, learnt gap ${(w.gapNs / 1000).toFixed(0)} us`;
}
