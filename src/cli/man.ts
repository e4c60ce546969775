import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { optionLabel, usageLine } from './help';
import { COMMAND_SPECS, type CommandSpec } from './spec';

/**
 * Man pages in roff (man(7) macros), made from spec.ts: ferry(1), and
 * ferry-CMD(1) for every command (ferry-network-create(1)), as Docker's are
 * named. `node dist/src/cli/man.js DIR` writes them; the install script puts
 * them in /usr/local/share/man/man1.
 */

/** Text for roff: backslashes and hyphens escaped, no line starting with a control character. */
const roff = (s: string) => s.replace(/\\/g, '\\e').replace(/-/g, '\\-').replace(/^([.'])/gm, '\\&$1');
const pageName = (c: CommandSpec) => `ferry-${c.name.replace(/ /g, '-')}`;
const header = (name: string, summary: string, version: string) => `.TH ${name.toUpperCase().replace(/-/g, '\\-')} 1 "" "ferry ${version}" "Ferry"\n.SH NAME\n${roff(name)} \\- ${roff(summary)}\n`;

export function commandPage(c: CommandSpec, version: string): string {
  const lines = [header(pageName(c), c.summary, version), '.SH SYNOPSIS', `.B ${roff(usageLine(c))}`, '.SH DESCRIPTION', roff(`${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`)];
  if (c.description) lines.push('.PP', roff(c.description));
  if (c.aliases?.length) lines.push('.PP', roff(`Also: ${c.aliases.map((a) => `ferry ${a}`).join(', ')}.`));
  lines.push('.SH OPTIONS');
  for (const o of c.options) lines.push('.TP', `.B ${roff(optionLabel(o).trim())}`, roff(`${o.help}${o.repeat ? ' (may be repeated)' : ''}`));
  lines.push('.TP', '.B \\-\\-help', 'Print the options of the command.');
  lines.push('.SH SEE ALSO', '.BR ferry (1)');
  return `${lines.join('\n')}\n`;
}

export function mainPage(version: string): string {
  const lines = [header('ferry', 'a userspace dataplane for container networks', version), '.SH SYNOPSIS', '.B ferry', '[\\-\\-socket PATH] COMMAND [OPTIONS]', '.SH DESCRIPTION'];
  lines.push(roff('Ferry gives containers Docker\'s network model (bridge networks, host/none/container modes, published ports, embedded DNS) from a userspace data plane, without the kernel bridge and without iptables. The daemon is found at --socket, else $FERRY_SOCKET, else /run/ferry/ferry.sock.'));
  lines.push('.SH COMMANDS');
  for (const c of COMMAND_SPECS) lines.push('.TP', `.BR ${pageName(c)} (1)`, roff(c.summary));
  return `${lines.join('\n')}\n`;
}

/** Writes ferry.1 and every ferry-CMD.1 into dir; returns the files written. */
export function writeManPages(dir: string, version: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = [[path.join(dir, 'ferry.1'), mainPage(version)], ...COMMAND_SPECS.map((c) => [path.join(dir, `${pageName(c)}.1`), commandPage(c, version)])] as const;
  for (const [file, text] of files) writeFileSync(file, text);
  return files.map(([f]) => f);
}

if (require.main === module) {
  const dir = process.argv[2];
  if (!dir) {
    process.stderr.write('usage: node dist/src/cli/man.js DIR\n');
    process.exit(2);
  }
  const version = (require('../../../package.json') as { version: string }).version;
  process.stdout.write(`${writeManPages(dir, version).length} man pages in ${dir}\n`);
}
