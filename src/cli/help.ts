import type { OptionSpec } from './args';
import { DEFAULT_SOCKET } from './client';
import { COMMAND_SPECS, type CommandSpec, commandSpec, groups } from './spec';

/** Help text, made from spec.ts: the command list, a group's subcommands, one command's options. */

export function optionLabel(o: OptionSpec): string {
  return `${o.short ? `${o.short}, ` : '    '}${o.flag}${o.value ? ` ${o.value}` : ''}`;
}

function columns(rows: [string, string][], indent = '  '): string {
  const width = Math.min(32, Math.max(...rows.map(([a]) => a.length)));
  return rows.map(([a, b]) => (a.length > width ? `${indent}${a}\n${indent}${' '.repeat(width + 2)}${b}` : `${indent}${a.padEnd(width + 2)}${b}`)).join('\n');
}

export function usageLine(c: CommandSpec): string {
  return `ferry ${c.name}${c.options.length ? ' [OPTIONS]' : ''}${c.args ? ` ${c.args}` : ''}`;
}

export function topHelp(): string {
  const seen = new Set<string>();
  const rows: [string, string][] = [];
  for (const c of COMMAND_SPECS) {
    const head = c.name.split(' ')[0]!;
    if (seen.has(head)) continue;
    seen.add(head);
    const group = groups().get(head);
    rows.push(group ? [`${head} ${group.map((g) => g.name.split(' ')[1]).join('|')}`, group.length === 1 ? group[0]!.summary : `${head}s: see ferry ${head} --help`] : [head, c.summary]);
  }
  return [
    'usage: ferry [--socket PATH] COMMAND [OPTIONS]',
    '',
    'Ferry: a userspace dataplane for container networks.',
    '',
    'commands:',
    columns(rows),
    '',
    `The daemon is found at --socket, else $FERRY_SOCKET, else ${DEFAULT_SOCKET}.`,
    "Run 'ferry COMMAND --help' (or 'ferry help COMMAND') for a command's options.",
  ].join('\n');
}

export function groupHelp(head: string): string {
  const subs = groups().get(head) ?? [];
  return [`usage: ferry ${head} COMMAND`, '', 'commands:', columns(subs.map((c) => [c.name.split(' ')[1]!, c.summary])), '', `Run 'ferry ${head} COMMAND --help' for a command's options.`].join('\n');
}

export function commandHelp(c: CommandSpec): string {
  const parts = [`usage: ${usageLine(c)}`, '', `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}.`];
  if (c.description) parts.push('', c.description);
  if (c.aliases?.length) parts.push('', `aliases: ${c.aliases.map((a) => `ferry ${a}`).join(', ')}`);
  parts.push('', 'options:', columns([...c.options.map((o): [string, string] => [optionLabel(o), `${o.help}${o.repeat ? ' (may be repeated)' : ''}`]), ['    --help', 'print this help']]));
  return parts.join('\n');
}

/** The help for what `ferry help WORDS...` or `ferry WORDS... --help` names, or undefined when it names nothing. */
export function helpFor(words: string[]): string | undefined {
  if (!words.length) return topHelp();
  const spec = commandSpec(words.slice(0, 2).join(' ')) ?? commandSpec(words[0]!);
  if (spec && (spec.name.includes(' ') || !groups().has(words[0]!))) return commandHelp(spec);
  if (groups().has(words[0]!)) return words.length === 1 ? groupHelp(words[0]!) : undefined;
  return undefined;
}
