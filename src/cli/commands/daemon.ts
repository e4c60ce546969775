import { serve } from '../../daemon/api';
import { Daemon } from '../../daemon/daemon';
import { jsonLogger } from '../../daemon/log';
import { UsageError, parseOptions, positiveInt } from '../args';

/** `ferry daemon`: the control plane in the foreground, until SIGTERM or SIGINT. */
export async function daemonCommand(args: string[], socket: string): Promise<number> {
  const { options, rest } = parseOptions('daemon', args, [
    { flag: '--state-dir', value: 'DIR', help: 'where the store and container files live (default /var/lib/ferry)' },
    { flag: '--netns-prefix', value: 'PREFIX', help: 'names of container namespaces start with this (default ferry-)' },
    { flag: '--resolv-conf', value: 'FILE', help: "the host's resolv.conf, inherited by containers without --dns (default /etc/resolv.conf)" },
    { flag: '--dns-rate-limit', value: 'QPS', parse: positiveInt(10_000_000), help: 'queries per second per container (default 5000)' },
    { flag: '--dns-timeout-ms', value: 'MS', parse: positiveInt(60_000), help: 'wait for each upstream resolver (default 2000)' },
  ]);
  if (rest.length) throw new UsageError(`"daemon" takes no arguments (got "${rest.join(' ')}")`);
  const prefix = (options['netns-prefix'] as string | undefined) ?? 'ferry-';
  if (!/^[A-Za-z0-9_.-]{1,30}$/.test(prefix)) throw new UsageError(`option --netns-prefix PREFIX: "${prefix}" is not valid; expected 1-30 of [A-Za-z0-9_.-]`);
  const log = jsonLogger();
  const daemon = await Daemon.start({ stateDir: (options['state-dir'] as string | undefined) ?? '/var/lib/ferry', netnsPrefix: prefix, hostResolvConf: (options['resolv-conf'] as string | undefined) ?? '/etc/resolv.conf', dnsRateLimit: options['dns-rate-limit'] as number | undefined, dnsUpstreamTimeoutMs: options['dns-timeout-ms'] as number | undefined, log });
  let server;
  try {
    server = await serve(daemon, socket);
  } catch (e) {
    daemon.stop();
    throw e;
  }
  log('daemon.listen', { socket });
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log('daemon.signal', { signal });
      server.close();
      daemon.stop();
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}
