import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../dataplane/native';
import { UsageError, parseOptions, positiveInt } from './args';
import { Client, DEFAULT_SOCKET } from './client';

// Commands are loaded when used: a client command should not pay for
// compiling the daemon, the engine bindings or the demo (Node's own start-up
// is already ~70 ms on this machine).

const HELP = `usage: ferry [--socket PATH] COMMAND [OPTIONS]

Ferry: a userspace dataplane for container networks.

commands:
  daemon [--state-dir DIR]      run the control plane in the foreground
  network create|ls|inspect|rm|prune|connect|disconnect
  run [OPTIONS] -- CMD [ARG...] run a container (a process in its own namespaces)
  ps [-a], inspect, exec, logs, stop, start, kill [-s SIGNAL], rm [-f]
  stats [--stages] [--json]     the data plane's counters, per port and network (or per stage)
  dns stats                     counters of the embedded resolver
  events [--format json]        containers and networks as they change, like docker events
  conntrack [-L] [--json]       the NAT's tracked flows, like conntrack -L
  trace [--count N] [--port P]  each stage's decision for the next N packets
  trace --inject C -- PACKET    the path a packet from container C would take (a dry run)
  capture PORT [-w FILE|-] [-c N] [--filter BPF] [--drops]
                                pcapng of what crosses a port (a container, ferry0, uplink)
  demo [--seconds N]            two containers on a Ferry bridge: ping, a TCP transfer, counters
  version                       print the version
  help                          this text

The daemon is found at --socket, else $FERRY_SOCKET, else ${DEFAULT_SOCKET}.`;

const COMMANDS = ['daemon', 'network', 'stats', 'dns', 'conntrack', 'trace', 'capture', 'events', 'run', 'ps', 'inspect', 'exec', 'logs', 'stop', 'start', 'kill', 'rm', 'demo', 'version', 'help'];

async function main(argv: string[]): Promise<number> {
  let socket = process.env.FERRY_SOCKET || DEFAULT_SOCKET;
  while (argv[0]?.startsWith('--socket')) {
    const inline = argv[0].startsWith('--socket=') ? argv[0].slice('--socket='.length) : undefined;
    const value = inline ?? argv[1];
    if (!value) throw new UsageError('option --socket needs a value: --socket PATH');
    socket = value;
    argv = argv.slice(inline === undefined ? 2 : 1);
  }
  const [command, ...args] = argv;
  const out = (s: string) => process.stdout.write(`${s}\n`);
  switch (command) {
    case 'daemon':
      return (await import('./commands/daemon')).daemonCommand(args, socket);
    case 'network':
      return (await import('./commands/network')).networkCommand(args, new Client(socket), out);
    case 'stats': {
      const { options: o, rest } = parseOptions('stats', args, [
        { flag: '--json', help: 'the raw counters' },
        { flag: '--stages', help: 'per stage of the graph: packets, time per packet, outcomes' },
      ]);
      if (rest.length) throw new UsageError(`"stats" takes no arguments (got "${rest.join(' ')}")`);
      const stats = await new Client(socket).request<import('../daemon/daemon').DaemonStats>('GET', '/v1/stats');
      const f = await import('./commands/stats');
      out(o.json ? JSON.stringify(o.stages ? stats.stages : stats, null, 4) : o.stages ? f.formatStageStats(stats) : f.formatDaemonStats(stats));
      return 0;
    }
    case 'dns':
      if (args.join(' ') !== 'stats') throw new UsageError('"dns" takes one subcommand: ferry dns stats');
      out(JSON.stringify(await new Client(socket).request('GET', '/v1/dns'), null, 4));
      return 0;
    case 'events':
      return (await import('./commands/events')).eventsCommand(args, new Client(socket), out);
    case 'capture':
      return (await import('./commands/capture')).captureCommand(args, new Client(socket));
    case 'trace':
      return (await import('./commands/trace')).traceCommand(args, new Client(socket), out);
    case 'conntrack': {
      const { options: o, rest } = parseOptions('conntrack', args, [
        { flag: '-L', help: 'list the entries (the default)' },
        { flag: '--json', help: 'the entries as JSON' },
      ]);
      if (rest.length) throw new UsageError(`"conntrack" takes no arguments (got "${rest.join(' ')}")`);
      const entries = await new Client(socket).request<import('../dataplane').ConntrackEntry[]>('GET', '/v1/conntrack');
      out(o.json ? JSON.stringify(entries, null, 4) : (await import('./commands/conntrack')).formatConntrack(entries));
      return 0;
    }
    case 'run':
    case 'ps':
    case 'inspect':
    case 'exec':
    case 'logs':
    case 'stop':
    case 'start':
    case 'rm':
    case 'kill':
      return (await import('./commands/container')).containerCommand(command, args, new Client(socket), out);
    case 'demo': {
      const { options, rest } = parseOptions('demo', args, [{ flag: '--seconds', value: 'N', parse: positiveInt(600), help: 'length of the TCP transfer' }]);
      if (rest.length) throw new UsageError(`"demo" takes no arguments (got "${rest.join(' ')}")`);
      const { runDemo } = await import('../demo/demo');
      await runDemo({ seconds: (options.seconds as number | undefined) ?? 3, print: (l) => process.stdout.write(`${l}\n`) });
      return 0;
    }
    case 'version':
    case '--version':
      process.stdout.write(`ferry ${(JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${HELP}\n`);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}" (accepted: ${COMMANDS.join(', ')})`);
  }
}

/** Exits once what was written has reached stdout and stderr: process.exit() alone cuts a pipe's output at 64 KiB. */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterOutput, (e: unknown) => {
  process.stderr.write(`ferry: ${(e as Error).message}\n`);
  exitAfterOutput(e instanceof UsageError ? 2 : 1);
});
