import { commandPid } from './processes';
import { DEFAULT_PATH } from '../container/process';
import { parseCidr } from '../ipam';
import type { ContainerDoc, NetworkDoc } from './model';
import type { State } from './state';

/** `docker network inspect` and `docker inspect` shapes, from Ferry's documents. */

const DRIVER_OPTIONS: Record<string, Record<string, string>> = {
  bridge: { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0', 'com.docker.network.bridge.name': 'ferry0', 'com.docker.network.driver.mtu': '1500' },
};

/** `peers`: an overlay network's hosts (daemon/overlays.ts), shown as Docker's Peers. */
export function networkInspect(n: NetworkDoc, state: State, peers?: { Name: string; IP: string }[]): Record<string, unknown> {
  const containers: Record<string, unknown> = {};
  for (const c of state.attached(n.id)) {
    for (const e of c.endpoints.filter((x) => x.networkId === n.id)) {
      const v4 = n.subnets.find((s) => parseCidr(s.subnet).family === 4);
      const v6 = n.subnets.find((s) => parseCidr(s.subnet).family === 6);
      containers[c.id] = {
        Name: c.name,
        EndpointID: e.endpointId,
        MacAddress: e.mac,
        IPv4Address: e.ipv4 && v4 ? `${e.ipv4}/${parseCidr(v4.subnet).prefix}` : '',
        IPv6Address: e.ipv6 && v6 ? `${e.ipv6}/${parseCidr(v6.subnet).prefix}` : '',
      };
    }
  }
  return {
    Name: n.name,
    Id: n.id,
    Created: n.created,
    Scope: n.driver === 'overlay' ? 'global' : 'local',
    Driver: n.driver,
    EnableIPv4: n.driver === 'bridge' || n.driver === 'overlay',
    EnableIPv6: n.enableIPv6,
    IPAM: {
      Driver: 'default',
      Options: null,
      Config: n.subnets.map((s) => ({
        Subnet: s.subnet,
        ...(s.ipRange ? { IPRange: s.ipRange } : {}),
        Gateway: s.gateway,
        ...(Object.keys(s.auxAddresses).length ? { AuxiliaryAddresses: s.auxAddresses } : {}),
      })),
    },
    Internal: n.internal,
    Attachable: n.attachable,
    Ingress: false,
    ConfigFrom: { Network: '' },
    ConfigOnly: false,
    Containers: containers,
    Options: n.isDefault && n.driver === 'bridge' ? DRIVER_OPTIONS.bridge : n.options,
    Labels: n.labels,
    ...(peers ? { Peers: peers } : {}),
  };
}

/** NetworkSettings.Ports: the ports actually published while the container runs. */
function publishedPorts(c: ContainerDoc): Record<string, { HostIp: string; HostPort: string }[] | null> {
  if (!c.published) return portsOf(c);
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const e of c.exposed) ports[`${e.port}/${e.protocol}`] ??= null;
  for (const p of c.published) {
    const key = `${p.containerPort}/${p.protocol}`;
    ports[key] = [...(ports[key] ?? []), { HostIp: p.hostIp || '0.0.0.0', HostPort: String(p.hostPort) }];
  }
  return ports;
}

function portsOf(c: ContainerDoc): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const ports: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const e of c.exposed) ports[`${e.port}/${e.protocol}`] ??= null;
  for (const b of c.ports) {
    const key = `${b.containerPort}/${b.protocol}`;
    const hostPort = b.hostPortStart === undefined ? '' : b.hostPortStart === b.hostPortEnd ? String(b.hostPortStart) : `${b.hostPortStart}-${b.hostPortEnd}`;
    ports[key] = [...(ports[key] ?? []), { HostIp: b.hostIp || '0.0.0.0', HostPort: hostPort }];
  }
  return ports;
}

export function modeName(c: ContainerDoc, state: State): string {
  switch (c.mode.kind) {
    case 'host':
      return 'host';
    case 'none':
      return 'none';
    case 'container':
      return `container:${c.mode.containerId}`;
    case 'bridge':
      // After a disconnect from its last network a container keeps only lo; like Docker, it still names the network it was made on.
      return (c.mode.networks[0] && state.networks.get(c.mode.networks[0].networkId)?.name) || c.networkMode || 'bridge';
  }
}

export function containerInspect(c: ContainerDoc, state: State): Record<string, unknown> {
  const networks: Record<string, unknown> = {};
  if (c.mode.kind === 'bridge') {
    for (const req of c.mode.networks) {
      const n = state.networks.get(req.networkId);
      if (!n) continue;
      const e = c.endpoints.find((x) => x.networkId === n.id);
      const v4 = n.subnets.find((s) => parseCidr(s.subnet).family === 4);
      const v6 = n.subnets.find((s) => parseCidr(s.subnet).family === 6);
      networks[n.name] = {
        NetworkID: n.id,
        EndpointID: e?.endpointId ?? '',
        Gateway: e && v4 ? v4.gateway : '',
        IPAddress: e?.ipv4 ?? '',
        IPPrefixLen: e && v4 ? parseCidr(v4.subnet).prefix : 0,
        MacAddress: e?.mac ?? '',
        IPv6Gateway: e?.ipv6 && v6 ? v6.gateway : '',
        GlobalIPv6Address: e?.ipv6 ?? '',
        GlobalIPv6PrefixLen: e?.ipv6 && v6 ? parseCidr(v6.subnet).prefix : 0,
        Aliases: req.aliases.length ? req.aliases : null,
        // Names other containers resolve this one by: only on user-defined networks, as in Docker.
        DNSNames: n.isDefault ? null : [c.name, c.id.slice(0, 12), ...req.aliases, ...(c.hostname && c.hostname !== c.id.slice(0, 12) ? [c.hostname] : [])],
      };
    }
  }
  const first = c.mode.kind === 'bridge' && c.mode.networks[0] ? state.networks.get(c.mode.networks[0].networkId)?.name : undefined;
  const primary = first ? (networks[first] as Record<string, unknown> | undefined) : undefined;
  return {
    Id: c.id,
    Created: c.created,
    Path: c.cmd[0],
    Args: c.cmd.slice(1),
    State: { Status: c.state, Running: c.state === 'running', Pid: c.pid && c.state === 'running' ? commandPid(c.pid) : 0, ExitCode: c.exitCode ?? 0, StartedAt: c.startedAt ?? '', FinishedAt: c.finishedAt ?? '' },
    Name: `/${c.name}`,
    Config: {
      Hostname: c.hostname,
      User: c.user ?? '',
      Tty: !!c.tty,
      OpenStdin: !!c.interactive,
      // As Docker lists it: the search path (an image's, there), then -e.
      Env: [...((c.env ?? []).some((e) => e.startsWith('PATH=')) ? [] : [`PATH=${DEFAULT_PATH}`]), ...(c.env ?? [])],
      Cmd: c.cmd,
      WorkingDir: c.workdir ?? '',
      ExposedPorts: Object.fromEntries(Object.keys(portsOf(c)).map((k) => [k, {}])),
    },
    HostConfig: {
      NetworkMode: modeName(c, state),
      PortBindings: portsOf(c),
      PublishAllPorts: c.publishAll,
      Dns: c.dns,
      DnsSearch: c.dnsSearch,
      ExtraHosts: c.extraHosts.map((h) => `${h.name}:${h.ip}`),
      AutoRemove: c.autoRemove,
      // Ferry's own: --rate-limit (Docker has no such option).
      FerryRateLimit: c.rateLimit ?? '',
    },
    NetworkSettings: {
      SandboxKey: c.netns ? `/run/netns/${c.netns}` : '',
      Ports: publishedPorts(c),
      Gateway: primary?.Gateway ?? '',
      IPAddress: primary?.IPAddress ?? '',
      IPPrefixLen: primary?.IPPrefixLen ?? 0,
      MacAddress: primary?.MacAddress ?? '',
      Networks: networks,
    },
  };
}
