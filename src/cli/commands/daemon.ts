import { serve } from '../../daemon/api';
import { Daemon } from '../../daemon/daemon';
import { jsonLogger } from '../../daemon/log';
import type { ConntrackTimeouts } from '../../dataplane';
import { CONNTRACK_TIMEOUTS } from '../../dataplane/generated/names';
import { UsageError, keyValue, parseOptions, positiveInt } from '../args';


function conntrackTimeout(raw: string): [string, number] {
  const [name, value] = keyValue(raw);
  if (!(CONNTRACK_TIMEOUTS as readonly string[]).includes(name) || !/^\d+$/.test(value) || Number(value) < 1)
    throw new Error(`NAME=SECONDS with NAME one of ${CONNTRACK_TIMEOUTS.join(', ')}`);
  return [name, Number(value)];
}

/** `ferry daemon`: the control plane in the foreground, until SIGTERM or SIGINT. */
export async function daemonCommand(args: string[], socket: string): Promise<number> {
  const { options, rest } = parseOptions('daemon', args, [
    { flag: '--state-dir', value: 'DIR', help: 'where the store and container files live (default /var/lib/ferry)' },
    { flag: '--netns-prefix', value: 'PREFIX', help: 'names of container namespaces start with this (default ferry-)' },
    { flag: '--resolv-conf', value: 'FILE', help: "the host's resolv.conf, inherited by containers without --dns (default /etc/resolv.conf)" },
    { flag: '--dns-rate-limit', value: 'QPS', parse: positiveInt(10_000_000), help: 'queries per second per container (default 5000)' },
    { flag: '--dns-timeout-ms', value: 'MS', parse: positiveInt(60_000), help: 'wait for each upstream resolver (default 2000)' },
    { flag: '--uplink', value: 'IFACE', help: "the host interface towards the world; Ferry's router reads and writes it with AF_PACKET" },
    { flag: '--external-ip', value: 'CIDR', help: 'the address Ferry owns on the uplink, with its prefix (192.0.2.10/24)' },
    { flag: '--external-gateway', value: 'IP', help: 'the next hop for destinations off the uplink\'s subnet' },
    { flag: '--conntrack-max', value: 'N', parse: positiveInt(1 << 30), help: 'bound on tracked flows (default 262144)' },
    { flag: '--conntrack-timeout', value: 'NAME=SECONDS', repeat: true, parse: conntrackTimeout, help: 'change one of the Linux default timeouts' },
    { flag: '--metrics-addr', value: 'HOST:PORT', help: 'serve Prometheus metrics at http://HOST:PORT/metrics (off by default)' },
  ]);
  const uplinkName = options.uplink as string | undefined;
  const externalIp = options['external-ip'] as string | undefined;
  if (!!uplinkName !== !!externalIp) throw new UsageError('options --uplink IFACE and --external-ip CIDR go together');
  if (options['external-gateway'] && !uplinkName) throw new UsageError('option --external-gateway IP needs --uplink IFACE and --external-ip CIDR');
  const timeouts = Object.fromEntries((options['conntrack-timeout'] as [string, number][] | undefined) ?? []) as ConntrackTimeouts;
  if (rest.length) throw new UsageError(`"daemon" takes no arguments (got "${rest.join(' ')}")`);
  const prefix = (options['netns-prefix'] as string | undefined) ?? 'ferry-';
  if (!/^[A-Za-z0-9_.-]{1,30}$/.test(prefix)) throw new UsageError(`option --netns-prefix PREFIX: "${prefix}" is not valid; expected 1-30 of [A-Za-z0-9_.-]`);
  const log = jsonLogger();
  const daemon = await Daemon.start({ stateDir: (options['state-dir'] as string | undefined) ?? '/var/lib/ferry', netnsPrefix: prefix, hostResolvConf: (options['resolv-conf'] as string | undefined) ?? '/etc/resolv.conf', dnsRateLimit: options['dns-rate-limit'] as number | undefined, dnsUpstreamTimeoutMs: options['dns-timeout-ms'] as number | undefined,
    uplink: uplinkName ? { ifname: uplinkName, externalIp: externalIp!, externalGateway: options['external-gateway'] as string | undefined } : undefined,
    conntrackMax: options['conntrack-max'] as number | undefined,
    conntrackTimeouts: timeouts,
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
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
