import { readFileSync } from 'node:fs';
import { UsageError } from './args';

/**
 * -e and --env-file as Docker reads them: KEY=VALUE as given; KEY alone takes
 * its value from this shell's environment, and is left out when unset; an
 * env file has one such entry per line, blank lines and # comments skipped.
 * Files first, then -e, so -e wins.
 */
export function envEntries(flags: string[] = [], files: string[] = [], shell: NodeJS.ProcessEnv = process.env): string[] {
  const fromFile = files.flatMap((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new UsageError(`--env-file ${f}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    return text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() && !l.trimStart().startsWith('#'));
  });
  return [...fromFile, ...flags].flatMap((e) => {
    const eq = e.indexOf('=');
    if (eq === 0) throw new UsageError(`--env "${e}": expected KEY=VALUE or KEY`);
    if (eq > 0) return [e];
    const value = shell[e];
    return value === undefined ? [] : [`${e}=${value}`];
  });
}
