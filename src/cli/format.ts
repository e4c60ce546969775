import { UsageError } from './args';
import { compileTemplate } from './template';

/**
 * How listings print, as Docker prints them: a default table, `--format
 * json` (one JSON object per line), `--format 'table {{.ID}}\t{{.Names}}'`
 * (a header from the fields' column names, then aligned rows), or any other
 * Go template, once per row.
 */

/** Docker's human duration (go-units HumanDuration), e.g. "About a minute", "3 hours". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** Since an ISO time, as Docker's "Up 3 minutes" and "3 minutes ago" say it. */
export const since = (iso: string, now = Date.now()) => humanDuration(Math.max(0, now - Date.parse(iso)));

/** Columns aligned as Go's tabwriter does for Docker: each as wide as its widest cell, 3 spaces between. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('').trimEnd()).join('\n');
}

export interface Listing<Row> {
  /** Docker's column names for the row's fields: ID -> "CONTAINER ID". */
  headers: Record<string, string>;
  /** The default table's fields, in order. */
  columns: string[];
  rows: Row[];
}

/** The listing's text for --format (undefined or "table": the default table). */
export function formatListing<Row extends Record<string, unknown>>(l: Listing<Row>, format: string | undefined): string[] {
  if (format === undefined || format === 'table') return [table(l.columns.map((c) => l.headers[c] ?? c.toUpperCase()), l.rows.map((r) => l.columns.map((c) => String(r[c] ?? ''))))];
  if (format === 'json') return l.rows.map((r) => JSON.stringify(r));
  const tableMode = /^table\s/.test(format);
  const src = tableMode ? format.replace(/^table\s+/, '') : format;
  const render = compileTemplate(src.replace(/\\t/g, '\t').replace(/\\n/g, '\n'));
  const lines = l.rows.map((r) => render(r));
  if (!tableMode) return lines;
  // The header: each {{.Field}} replaced by its column name; the cells split at tabs and aligned.
  const header = src.replace(/\\t/g, '\t').replace(/\{\{-?\s*\.(\w+)\s*-?\}\}/g, (_m, f: string) => l.headers[f] ?? f.toUpperCase()).split('\t');
  if (/\{\{/.test(header.join(''))) throw new UsageError(`--format: a table takes only {{.Field}} columns (got "${format}")`);
  return [table(header, lines.map((line) => line.split('\t')))];
}

/** inspect: Docker's JSON array, or with -f/--format one line per object from the template. */
export function printInspect(objects: unknown[], format: string | undefined, out: (s: string) => void): void {
  if (format === undefined || format === 'json') out(JSON.stringify(objects, null, 4));
  else {
    const render = compileTemplate(format);
    for (const x of objects) out(render(x));
  }
}
