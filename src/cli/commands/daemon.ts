import { serve } from '../../daemon/api';
import { Daemon, type DaemonOptions } from '../../daemon/daemon';
import { isIPv4 } from 'node:net';
import { parseClusterStore, parseStoreOpts } from '../../cluster/membership';
import { jsonLogger } from '../../daemon/log';
import { listAddresses } from '../../netns';
import type { ConntrackTimeouts } from '../../dataplane';
import { UsageError, parseOptions } from '../args';
import { specOf } from '../spec';
import { ConfigError, DEFAULT_CONFIG_FILE, type DaemonConfig, mergeConfig, readConfigFile } from '../../daemon/config';



/** --cluster-store etcd://HOST:PORT[,...] with --advertise-addr IP|IFACE, --cluster-ttl SECONDS and --vxlan-port PORT, checked. */
async function clusterOption(options: Record<string, unknown>): Promise<NonNullable<DaemonOptions['cluster']> | undefined> {
  const store = options['cluster-store'] as string | undefined;
  const advertise = options['advertise-addr'] as string | undefined;
  if (!store) {
    if (advertise || options['cluster-ttl'] || options['vxlan-port'] || options['overlay-key-rotation'] || options['cluster-store-opt'])
      throw new UsageError('options --advertise-addr, --cluster-ttl, --vxlan-port, --overlay-key-rotation and --cluster-store-opt need --cluster-store etcd://HOST:PORT');
    return undefined;
  }
  let tls;
  try {
    tls = parseStoreOpts((options['cluster-store-opt'] as [string, string][] | undefined) ?? []);
  } catch (e) {
    throw new UsageError(`option --cluster-store-opt: ${(e as Error).message}`);
  }
  let hosts: string[];
  try {
    hosts = parseClusterStore(store, !!tls);
  } catch (e) {
    throw new UsageError(`option --cluster-store: ${(e as Error).message}`);
  }
  if (!advertise) throw new UsageError('option --cluster-store needs --advertise-addr IP|IFACE (the address other hosts reach this one on)');
  let address = advertise;
  if (!isIPv4(advertise)) {
    const found = (await listAddresses({ family: 4, dev: advertise }).catch(() => []))[0]?.addr_info?.[0]?.local;
    if (!found) throw new UsageError(`option --advertise-addr ${advertise}: not an IPv4 address, nor an interface with one`);
    address = found;
  }
  return {
    hosts,
    tls,
    advertise: address,
    ttlSeconds: (options['cluster-ttl'] as number | undefined) ?? 10,
    vxlanPort: options['vxlan-port'] as number | undefined,
    keyRotationMs: options['overlay-key-rotation'] as number | undefined,
  };
}

/** daemon.json's keys given as flags (absent ones undefined). */
function configFlags(options: Record<string, unknown>): DaemonConfig {
  const flags: DaemonConfig = {
    bip: options.bip as string | undefined,
    'fixed-cidr': options['fixed-cidr'] as string | undefined,
    ipv6: options.ipv6 ? true : undefined,
    'fixed-cidr-v6': options['fixed-cidr-v6'] as string | undefined,
    mtu: options.mtu as number | undefined,
    'default-gateway': options['default-gateway'] as string | undefined,
    'default-gateway-v6': options['default-gateway-v6'] as string | undefined,
    dns: options.dns as string[] | undefined,
    'default-address-pools': options['default-address-pool'] as DaemonConfig['default-address-pools'],
    labels: options.label as string[] | undefined,
  };
  return Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) as DaemonConfig;
}

/** Flags and file, merged and checked; a bad one is a usage error naming it. */
function loadConfig(options: Record<string, unknown>): DaemonConfig {
  const file = options['config-file'] as string | undefined;
  try {
    return mergeConfig(configFlags(options), readConfigFile(file), file ?? DEFAULT_CONFIG_FILE);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

/** --docker-plugin, --docker-plugin-name and --docker-host. */
function dockerOption(options: Record<string, unknown>): DaemonOptions['docker'] {
  const name = options['docker-plugin-name'] as string | undefined;
  const host = (options['docker-host'] as string | undefined) ?? process.env.DOCKER_HOST ?? 'unix:///var/run/docker.sock';
  if (!options['docker-plugin']) {
    if (name || options['docker-host'] || options['docker-plugin-dir']) throw new UsageError('options --docker-plugin-name, --docker-plugin-dir and --docker-host need --docker-plugin');
    return undefined;
  }
  if (name !== undefined && !/^[a-z0-9][a-z0-9_.-]{0,62}$/.test(name)) throw new UsageError(`option --docker-plugin-name NAME: "${name}" is not valid; expected 1-63 of [a-z0-9_.-] (Docker's driver names are lower case)`);
  if (!/^unix:\/\/\/./.test(host)) throw new UsageError(`option --docker-host: "${host}" is not valid; expected unix:///PATH (dockerd's API socket)`);
  const dir = options['docker-plugin-dir'] as string | undefined;
  if (dir !== undefined && !dir.startsWith('/')) throw new UsageError(`option --docker-plugin-dir DIR: "${dir}" is not valid; expected an absolute path`);
  return { name: name ?? 'ferry', dir, host };
}

/** `ferry daemon`: the control plane in the foreground, until SIGTERM or SIGINT; SIGHUP reloads daemon.json. */
export async function daemonCommand(args: string[], socket: string): Promise<number> {
  const { options, rest } = parseOptions(specOf('daemon'), args);
  const uplinkName = options.uplink as string | undefined;
  const externalIp = options['external-ip'] as string | undefined;
  if (!!uplinkName !== !!externalIp) throw new UsageError('options --uplink IFACE and --external-ip CIDR go together');
  if (options['external-gateway'] && !uplinkName) throw new UsageError('option --external-gateway IP needs --uplink IFACE and --external-ip CIDR');
  if (options['external-ip6'] && !uplinkName) throw new UsageError('option --external-ip6 CIDR needs --uplink IFACE and --external-ip CIDR');
  if (options['external-gateway6'] && !options['external-ip6']) throw new UsageError('option --external-gateway6 IP needs --external-ip6 CIDR');
  const timeouts = Object.fromEntries((options['conntrack-timeout'] as [string, number][] | undefined) ?? []) as ConntrackTimeouts;
  if (rest.length) throw new UsageError(`"daemon" takes no arguments (got "${rest.join(' ')}")`);
  const prefix = (options['netns-prefix'] as string | undefined) ?? 'ferry-';
  if (!/^[A-Za-z0-9_.-]{1,30}$/.test(prefix)) throw new UsageError(`option --netns-prefix PREFIX: "${prefix}" is not valid; expected 1-30 of [A-Za-z0-9_.-]`);
  const config = loadConfig(options);
  const docker = dockerOption(options);
  const log = jsonLogger();
  const daemon = await Daemon.start({
    config, stateDir: (options['state-dir'] as string | undefined) ?? '/var/lib/ferry', netnsPrefix: prefix, hostResolvConf: (options['resolv-conf'] as string | undefined) ?? '/etc/resolv.conf', dnsRateLimit: options['dns-rate-limit'] as number | undefined, dnsUpstreamTimeoutMs: options['dns-timeout-ms'] as number | undefined,
    uplink: uplinkName
      ? {
          ifname: uplinkName,
          externalIp: externalIp!,
          externalGateway: options['external-gateway'] as string | undefined,
          externalIp6: options['external-ip6'] as string | undefined,
          externalGateway6: options['external-gateway6'] as string | undefined,
        }
      : undefined,
    conntrackMax: options['conntrack-max'] as number | undefined,
    conntrackTimeouts: timeouts,
    ipfragTime: options['ipfrag-time'] as number | undefined,
    poll: options.poll as 'adaptive' | 'busy' | undefined,
    cluster: await clusterOption(options),
    docker,
    log,
  });
  let server;
  let metrics: import('node:http').Server | undefined;
  try {
    server = await serve(daemon, socket);
    if (options['metrics-addr']) metrics = await (await import('../../daemon/metrics')).serveMetrics(daemon, options['metrics-addr'] as string);
  } catch (e) {
    server?.close();
    daemon.stop();
    throw e;
  }
  log('daemon.listen', { socket, ...(options['metrics-addr'] ? { metrics: options['metrics-addr'] } : {}) });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('daemon.signal', { signal });
      server.close();
      metrics?.close();
      daemon.stop();
      void (daemon.leaving ?? Promise.resolve()).finally(resolve);
    };
    process.on('SIGHUP', () => {
      try {
        daemon.reload(loadConfig(options));
      } catch (e) {
        log('daemon.reload', { error: (e as Error).message }, 'error');
      }
    });
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
