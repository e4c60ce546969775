import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { COMMAND_SPECS } from '../../src/cli/spec';

const checkout = path.join(__dirname, '..', '..', 'bin', 'ferry');
/** `ferry` as the install script put it on PATH. */
const ferry = (...args: string[]) =>
  promisify(execFile)('ferry', args, { timeout: 30_000, env: { ...process.env, PATH: `/usr/local/bin:${process.env.PATH}` } }).then(
    (r) => ({ code: 0, ...r }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );

/** Help, completion and man pages: all made from src/cli/spec.ts, checked for every command. */
describe('ferry help, completion and man pages', () => {
  it('the install script put ferry on PATH, a link to this checkout', () => {
    const found = execFileSync('sh', ['-c', 'PATH=/usr/local/bin:$PATH command -v ferry'], { encoding: 'utf8' }).trim();
    expect(found).toBe('/usr/local/bin/ferry');
    expect(realpathSync(found)).toBe(realpathSync(checkout));
  });

  it.each(COMMAND_SPECS.map((c) => [c.name, c] as const))('ferry %s --help exits 0 and names every flag; ferry help says the same', async (name, spec) => {
    const r = await ferry(...name.split(' '), '--help');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe(`usage: ferry ${name}${spec.options.length ? ' [OPTIONS]' : ''}${spec.args ? ` ${spec.args}` : ''}`);
    for (const o of spec.options) expect(r.stdout).toContain(`${o.short ? `${o.short}, ` : ''}${o.flag}${o.value ? ` ${o.value}` : ''}`);
    expect((await ferry('help', ...name.split(' '))).stdout).toBe(r.stdout);
  });

  it('a group alone lists its commands; an unknown one is named', async () => {
    expect((await ferry('network')).stdout).toMatch(/^usage: ferry network COMMAND\n\ncommands:\n  create +create a network\n/);
    const bad = await ferry('help', 'network', 'bogus');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('ferry: no such command: ferry network bogus (see ferry help)\n');
  });

  it('bash completes commands, subcommands and a command\'s flags', () => {
    const complete = (line: string) => {
      const words = line.split(' ');
      const script = `source <(${checkout} completion bash); COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ferry; echo "\${COMPREPLY[*]}"`;
      return execFileSync('bash', ['-c', script], { encoding: 'utf8' }).trim().split(' ');
    };
    expect(complete('ferry ne')).toEqual(['network']);
    expect(complete('ferry network c')).toEqual(['create', 'connect']);
    expect(complete('ferry ps -')).toEqual(['-a', '--all', '-q', '--quiet', '-f', '--filter', '--no-trunc', '--format', '--help']);
    expect(complete('ferry network create --sub')).toEqual(['--subnet']);
  });

  it('zsh and fish read their scripts; fish completes a flag', () => {
    execFileSync('zsh', ['-n', '-c', execFileSync(checkout, ['completion', 'zsh'], { encoding: 'utf8' })]);
    const fish = execFileSync(checkout, ['completion', 'fish'], { encoding: 'utf8' });
    const out = execFileSync('fish', ['-c', `${fish}\ncomplete -C 'ferry ps --'`], { encoding: 'utf8' });
    expect(out).toMatch(/^--all\talso stopped containers$/m);
    expect((execFileSync('sh', ['-c', `${checkout} completion tcsh; echo code=$?`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).trim()).toBe('code=2');
  });

  it('man pages: one per command, rendered by man, listing the flags', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ferry-man-'));
    try {
      execFileSync(process.execPath, [path.join(__dirname, '..', '..', 'dist', 'src', 'cli', 'man.js'), dir]);
      expect(readdirSync(dir).length).toBe(COMMAND_SPECS.length + 1);
      const page = execFileSync('man', ['-l', path.join(dir, 'ferry-network-create.1')], { encoding: 'utf8', env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '' } });
      expect(page).toMatch(/^NAME\n\s+ferry-network-create - create a network$/m);
      expect(page).toMatch(/^\s+--subnet CIDR$/m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
