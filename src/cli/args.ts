import { goDuration } from './time-spec';
/**
 * A small, strict argument parser: every option is declared, and a wrong
 * argument is answered with one line naming it and the accepted forms.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  /** "--seconds" */
  flag: string;
  /** "-d" */
  short?: string;
  /** May be given several times: the value is an array. */
  repeat?: boolean;
  /** Shown in errors and help: "N". Absent for a boolean flag. */
  value?: string;
  /** Validates and converts; throws a message naming the accepted form. */
  parse?: (raw: string) => unknown;
  help: string;
}

export function positiveInt(max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!/^\d+$/.test(raw) || n < 1 || n > max) throw new Error(`an integer from 1 to ${max}`);
    return n;
  };
}

/** A Go duration ("12h", "30m", "1h30m", "90s") of at least min_ms, in ms. */
export function duration(minMs: number, example: string) {
  return (raw: string): number => {
    const ms = goDuration(raw);
    if (ms === undefined || ms < minMs) throw new Error(`a duration of at least ${minMs / 1000}s, such as ${example}`);
    return ms;
  };
}

/** `--help` anywhere among a command's options: its help is printed instead, exit 0. */
export class HelpRequested extends Error {
  constructor(readonly command: string) {
    super(`help for ${command}`);
    this.name = 'HelpRequested';
  }
}

/** What a command's spec says about its options (see spec.ts). */
export interface ParseSpec {
  name: string;
  options: OptionSpec[];
  stopAtPositional?: boolean;
}

/**
 * Parses argv against a command's options, as Docker's CLI does: long
 * options with their value separate or after `=`; short ones bundled
 * (`-aq`, `-dP`), the last of a bundle may take a value, joined or separate
 * (`-p8080:80`, `-p 8080:80`, `-dp 80:80`); `--` ends the options; `--help`
 * asks for the command's help. With stopAtPositional, the first argument
 * that is not an option ends option parsing (the command of `ferry run`).
 */
export function parseOptions(spec: ParseSpec, argv: string[]): { options: Record<string, unknown>; rest: string[] } {
  const command = spec.name;
  const specs = spec.options;
  const accepted = specs.map((s) => `${s.short ? `${s.short}|` : ''}${s.flag}${s.value ? ` ${s.value}` : ''}`).join(', ') || 'none';
  const options: Record<string, unknown> = {};
  const rest: string[] = [];
  const set = (o: OptionSpec, shown: string, raw: string | undefined) => {
    const key = o.flag.replace(/^-+/, '');
    if (!o.value) {
      options[key] = true;
      return;
    }
    if (raw === undefined) throw new UsageError(`option ${shown} needs a value: ${shown} ${o.value}`);
    try {
      const value = o.parse ? o.parse(raw) : raw;
      if (o.repeat) options[key] = [...((options[key] as unknown[] | undefined) ?? []), value];
      else options[key] = value;
    } catch (e) {
      throw new UsageError(`option ${shown} ${o.value}: "${raw}" is not valid; expected ${(e as Error).message}`);
    }
  };
  const unknown = (flag: string) => new UsageError(`unknown option ${flag} for "${command}" (accepted: ${accepted})`);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (spec.stopAtPositional) {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(arg);
      continue;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
      const o = specs.find((s) => s.flag === flag);
      if (!o) {
        if (flag === '--help') throw new HelpRequested(command);
        throw unknown(flag);
      }
      if (!o.value && inline !== undefined) throw new UsageError(`option ${flag} takes no value`);
      set(o, flag, o.value ? (inline ?? argv[++i]) : undefined);
      continue;
    }
    // Short options: one, or a bundle; a value ends the bundle.
    for (let k = 1; k < arg.length; k++) {
      const flag = `-${arg[k]}`;
      const o = specs.find((s) => s.short === flag);
      if (!o) throw unknown(k === 1 && arg.length === 2 ? flag : `${flag} (in ${arg})`);
      if (!o.value) {
        set(o, flag, undefined);
        continue;
      }
      const joined = arg.slice(k + 1).replace(/^=/, '');
      set(o, flag, joined || argv[++i]);
      break;
    }
  }
  return { options, rest };
}

/** One of a fixed set of words. */
export function oneOf(words: string[]) {
  return (raw: string): string => {
    if (!words.includes(raw)) throw new Error(words.length === 1 ? words[0]! : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`);
    return raw;
  };
}

/** KEY=VALUE (labels, -o options, --aux-address). */
/** KEY=VALUE, or a KEY alone with the value "" (as Docker's --opt and --label take it: `-o encrypted`). */
export function keyOrKeyValue(raw: string): [string, string] {
  if (raw && !raw.startsWith('=') && !raw.includes('=')) return [raw, ''];
  return keyValue(raw);
}

export function keyValue(raw: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new Error('KEY=VALUE');
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}
