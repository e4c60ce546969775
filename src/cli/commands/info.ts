import type { DaemonInfo } from '../../daemon/daemon';

/** `ferry info` as text, in the layout of `docker info`'s server section. */
export function formatInfo(i: DaemonInfo): string {
  const lines = [
    `Server Version: ${i.ServerVersion}`,
    `Containers: ${i.Containers}`,
    ` Running: ${i.ContainersRunning}`,
    ` Stopped: ${i.ContainersStopped}`,
    `Networks: ${i.Networks}`,
    `Uplink: ${i.Uplink ? [i.Uplink.Interface, i.Uplink.Address, i.Uplink.Address6].filter(Boolean).join(' ') : 'none'}`,
    `Cluster: ${i.Cluster ? 'yes' : 'no'}`,
  ];
  if (i.Labels.length) lines.push('Labels:', ...i.Labels.map((l) => ` ${l}`));
  return lines.join('\n');
}
