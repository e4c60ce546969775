import { runDemo } from '../demo/demo';
import { UsageError, parseOptions, positiveInt } from './args';

const HELP = `usage: ferry COMMAND [OPTIONS]

Ferry: a userspace dataplane for container networks.

commands:
  demo [--seconds N]   two containers on a Ferry bridge: ping, a TCP transfer, counters
  version              print the version
  help                 this text`;

async function main(argv: string[]): Promise<number> {
  const [command, ...args] = argv;
  switch (command) {
    case 'demo': {
      const { options, rest } = parseOptions('demo', args, [{ flag: '--seconds', value: 'N', parse: positiveInt(600), help: 'length of the TCP transfer' }]);
      if (rest.length) throw new UsageError(`"demo" takes no arguments (got "${rest.join(' ')}")`);
      await runDemo({ seconds: (options.seconds as number | undefined) ?? 3, print: (l) => process.stdout.write(`${l}\n`) });
      return 0;
    }
    case 'version':
    case '--version':
      process.stdout.write(`ferry ${(require('../../package.json') as { version: string }).version}\n`);
      return 0;
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      process.stdout.write(`${HELP}\n`);
      return 0;
    default:
      throw new UsageError(`unknown command "${command}" (accepted: demo, version, help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`ferry: ${e.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`ferry: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
