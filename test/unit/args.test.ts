import { describe, expect, it } from 'vitest';
import { HelpRequested, UsageError, parseOptions } from '../../src/cli/args';
import { specOf } from '../../src/cli/spec';

/** The parser as Docker's users type: bundles, joined values, --, --help. */
describe('parseOptions', () => {
  const run = (...argv: string[]) => parseOptions(specOf('run'), argv);
  const ps = (...argv: string[]) => parseOptions(specOf('ps'), argv);

  it('bundles short flags: ps -aq, run -dP', () => {
    expect(ps('-aq').options).toEqual({ all: true, quiet: true });
    expect(run('-dP', 'sleep', '1')).toEqual({ options: { detach: true, 'publish-all': true }, rest: ['sleep', '1'] });
  });

  it('takes a value joined to its short flag, after it, or ending a bundle', () => {
    expect(run('-p8080:80', 'true').options.publish).toEqual(['8080:80']);
    expect(run('-p', '8080:80', '-p=9090:90', 'true').options.publish).toEqual(['8080:80', '9090:90']);
    expect(run('-dp', '80:80', 'true').options).toEqual({ detach: true, publish: ['80:80'] });
    expect(run('-dp80', 'true').options).toEqual({ detach: true, publish: ['80'] });
    expect(run('--name=web', '--network', 'n1', 'true').options).toEqual({ name: 'web', network: 'n1' });
  });

  it('stops at the command of run, and at --', () => {
    expect(run('-d', 'sh', '-c', 'echo -d').rest).toEqual(['sh', '-c', 'echo -d']);
    expect(run('-d', '--', '-weird').rest).toEqual(['-weird']);
  });

  it('names what it refuses, a bundle member included', () => {
    expect(() => ps('-ax')).toThrow(/^unknown option -x \(in -ax\) for "ps" \(accepted: -a\|--all, -q\|--quiet, -f\|--filter KEY=VALUE, --no-trunc, --format FORMAT\)$/);
    expect(() => ps('--bogus')).toThrow(/^unknown option --bogus for "ps" \(accepted: -a\|--all, /);
    expect(() => run('-p')).toThrow(new UsageError('option -p needs a value: -p SPEC'));
    expect(() => ps('--all=yes')).toThrow(new UsageError('option --all takes no value'));
  });

  it('--help anywhere among the options asks for the help; -h is run\'s --hostname, as in Docker', () => {
    expect(() => ps('-a', '--help')).toThrow(HelpRequested);
    expect(run('-h', 'box', 'true').options.hostname).toBe('box');
  });

  it("takes -o and --label as KEY=VALUE or a KEY alone, as Docker's map options (-o encrypted)", () => {
    const create = (...argv: string[]) => parseOptions(specOf('network create'), argv).options;
    expect(create('-o', 'encrypted', '--label', 'team', '-o', 'com.docker.network.driver.mtu=1400')).toEqual({ opt: [['encrypted', ''], ['com.docker.network.driver.mtu', '1400']], label: [['team', '']] });
    expect(() => create('-o', '=x')).toThrow(/option -o KEY\[=VALUE\]: "=x" is not valid; expected KEY=VALUE/);
  });

  it('takes --overlay-key-rotation as a Go duration of at least a second', () => {
    const daemon = (...argv: string[]) => parseOptions(specOf('daemon'), argv).options;
    expect(daemon('--overlay-key-rotation', '12h')).toEqual({ 'overlay-key-rotation': 12 * 3600_000 });
    expect(daemon('--overlay-key-rotation', '1m30s')).toEqual({ 'overlay-key-rotation': 90_000 });
    for (const bad of ['0s', '500ms', '12', 'soon'])
      expect(() => daemon('--overlay-key-rotation', bad)).toThrow(`option --overlay-key-rotation DURATION: "${bad}" is not valid; expected a duration of at least 1s, such as 12h, 30m or 90s`);
  });
});
