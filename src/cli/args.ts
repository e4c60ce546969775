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

/**
 * Parses argv against specs. With stopAtPositional, the first argument that is
 * not an option ends option parsing (the command of `ferry run`).
 */
export function parseOptions(command: string, argv: string[], specs: OptionSpec[], opts: { stopAtPositional?: boolean } = {}): { options: Record<string, unknown>; rest: string[] } {
  const accepted = specs.map((s) => `${s.short ? `${s.short}|` : ''}${s.flag}${s.value ? ` ${s.value}` : ''}`).join(', ') || 'none';
  const options: Record<string, unknown> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      if (opts.stopAtPositional) {
        rest.push(...argv.slice(i));
        break;
      }
      rest.push(arg);
      continue;
    }
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const spec = specs.find((s) => s.flag === flag || s.short === flag);
    if (!spec) throw new UsageError(`unknown option ${flag} for "${command}" (accepted: ${accepted})`);
    const key = spec.flag.replace(/^-+/, '');
    if (!spec.value) {
      if (inline !== undefined) throw new UsageError(`option ${flag} takes no value`);
      options[key] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new UsageError(`option ${flag} needs a value: ${flag} ${spec.value}`);
    try {
      const value = spec.parse ? spec.parse(raw) : raw;
      if (spec.repeat) options[key] = [...((options[key] as unknown[] | undefined) ?? []), value];
      else options[key] = value;
    } catch (e) {
      throw new UsageError(`option ${flag} ${spec.value}: "${raw}" is not valid; expected ${(e as Error).message}`);
    }
  }
  return { options, rest };
}

/** KEY=VALUE (labels, -o options, --aux-address). */
export function keyValue(raw: string): [string, string] {
  const eq = raw.indexOf('=');
  if (eq <= 0) throw new Error('KEY=VALUE');
  return [raw.slice(0, eq), raw.slice(eq + 1)];
}
