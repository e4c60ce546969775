import { ferryVersion } from '../dataplane/native';
import { HelpRequested, UsageError, parseOptions } from './args';
import { Client, DEFAULT_SOCKET } from './client';
import { helpFor } from './help';
import { COMMAND_SPECS, groups, specOf } from './spec';

// Commands are loaded when used: a client command should not pay for
// compiling the daemon, the engine bindings or the demo (Node's own start-up
// is already ~70 ms on this machine).

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
  // `ferry network` alone, or `ferry network --help`: the group's commands.
  if (command && groups().has(command) && (args.length === 0 || args[0] === '--help' || args[0] === '-h')) {
    out(helpFor([command])!);
    return 0;
  }
  switch (command) {
    case 'daemon':
      return (await import('./commands/daemon')).daemonCommand(args, socket);
    case 'network':
      return (await import('./commands/network')).networkCommand(args, new Client(socket), out);
    case 'stats': {
      const { options: o, rest } = parseOptions(specOf('stats'), args);
      if (rest.length) throw new UsageError(`"stats" takes no arguments (got "${rest.join(' ')}")`);
      const stats = await new Client(socket).request<import('../daemon/daemon').DaemonStats>('GET', '/v1/stats');
      const f = await import('./commands/stats');
      out(o.json ? JSON.stringify(o.stages ? stats.stages : stats, null, 4) : o.stages ? f.formatStageStats(stats) : f.formatDaemonStats(stats));
      return 0;
    }
    case 'dns': {
      if (args[0] !== 'stats') throw new UsageError(`unknown dns command "${args[0] ?? ''}" (accepted: stats)`);
      const { options: o, rest } = parseOptions(specOf('dns stats'), args.slice(1));
      if (rest.length) throw new UsageError(`"dns stats" takes no arguments (got "${rest.join(' ')}")`);
      const counters = await new Client(socket).request<Record<string, number>>('GET', '/v1/dns');
      out(o.format === 'json' ? JSON.stringify(counters, null, 4) : (await import('./format')).table(['COUNTER', 'VALUE'], Object.entries(counters).map(([k, v]) => [k, String(v)])));
      return 0;
    }
    case 'node':
      return (await import('./commands/node')).nodeCommand(args, new Client(socket), out);
    case 'events':
      return (await import('./commands/events')).eventsCommand(args, new Client(socket), out);
    case 'capture':
      return (await import('./commands/capture')).captureCommand(args, new Client(socket));
    case 'trace':
      return (await import('./commands/trace')).traceCommand(args, new Client(socket), out);
    case 'info': {
      const { options: o, rest } = parseOptions(specOf('info'), args);
      if (rest.length) throw new UsageError(`"info" takes no arguments (got "${rest.join(' ')}")`);
      const info = await new Client(socket).request<import('../daemon/daemon').DaemonInfo>('GET', '/v1/info');
      out(o.json ? JSON.stringify(info, null, 4) : (await import('./commands/info')).formatInfo(info));
      return 0;
    }
    case 'conntrack': {
      const { options: o, rest } = parseOptions(specOf('conntrack'), args);
      if (rest.length) throw new UsageError(`"conntrack" takes no arguments (got "${rest.join(' ')}")`);
      const entries = await new Client(socket).request<import('../dataplane').ConntrackEntry[]>('GET', '/v1/conntrack');
      out(o.json ? JSON.stringify(entries, null, 4) : (await import('./commands/conntrack')).formatConntrack(entries));
      return 0;
    }
    case 'run':
    case 'create':
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
      const { options, rest } = parseOptions(specOf('demo'), args);
      if (rest.length) throw new UsageError(`"demo" takes no arguments (got "${rest.join(' ')}")`);
      const { runDemo } = await import('../demo/demo');
      await runDemo({ seconds: (options.seconds as number | undefined) ?? 3, print: (l) => process.stdout.write(`${l}\n`) });
      return 0;
    }
    case 'completion': {
      const { rest } = parseOptions(specOf('completion'), args);
      const { completionScript } = await import('./completion');
      if (rest.length !== 1) throw new UsageError('"completion" takes one shell: ferry completion bash|zsh|fish');
      out(completionScript(rest[0]!));
      return 0;
    }
    case 'version':
    case '--version': {
      const { rest } = parseOptions(specOf('version'), args);
      if (rest.length) throw new UsageError(`"version" takes no arguments (got "${rest.join(' ')}")`);
      process.stdout.write(`ferry ${ferryVersion()}\n`);
      return 0;
    }
    case undefined:
    case '--help':
    case '-h':
      out(helpFor([])!);
      return 0;
    case 'help': {
      const text = helpFor(parseOptions(specOf('help'), args).rest);
      if (!text) throw new UsageError(`no such command: ferry ${args.join(' ')} (see ferry help)`);
      out(text);
      return 0;
    }
    default:
      throw new UsageError(`unknown command "${command}" (accepted: ${[...new Set(COMMAND_SPECS.map((c) => c.name.split(' ')[0]))].join(', ')})`);
  }
}

/** Exits once what was written has reached stdout and stderr: process.exit() alone cuts a pipe's output at 64 KiB. */
function exitAfterOutput(code: number): void {
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
}

main(process.argv.slice(2)).then(exitAfterOutput, (e: unknown) => {
  if (e instanceof HelpRequested) {
    process.stdout.write(`${helpFor(e.command.split(' '))}\n`);
    return exitAfterOutput(0);
  }
  process.stderr.write(`ferry: ${(e as Error).message}\n`);
  // As Docker: `run` answers its own failures (bad flags, the daemon's refusals) with 125,
  // so they are told apart from the container's exit codes (126, 127: cannot run, not found).
  exitAfterOutput(['run', 'create'].includes(commandOf(process.argv.slice(2)) ?? '') ? 125 : e instanceof UsageError ? 2 : 1);
});

/** The command word, after the global --socket. */
function commandOf(argv: string[]): string | undefined {
  let i = 0;
  while (argv[i]?.startsWith('--socket')) i += argv[i]!.includes('=') ? 1 : 2;
  return argv[i];
}
