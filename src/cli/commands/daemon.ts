import { serve } from '../../daemon/api';
import { Daemon } from '../../daemon/daemon';
import { jsonLogger } from '../../daemon/log';
import type { ConntrackTimeouts } from '../../dataplane';
import { UsageError, parseOptions } from '../args';
import { specOf } from '../spec';



/** `ferry daemon`: the control plane in the foreground, until SIGTERM or SIGINT. */
export async function daemonCommand(args: string[], socket: string): Promise<number> {
  const { options, rest } = parseOptions(specOf('daemon'), args);
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
