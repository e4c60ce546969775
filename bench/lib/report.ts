/** One line of a benchmark's result: Ferry against one baseline, measured in the same run. */
export interface Metric {
  name: string;
  unit: string;
  baseline: string;
  baselineValue: number;
  ferry: number;
  /** Always Ferry ÷ baseline. */
  ratio: number;
  higherIsBetter: boolean;
  /** Each round's values, where the suite kept them (the spread a plot shows). */
  baselineSamples?: number[];
  ferrySamples?: number[];
}

export interface SuiteResult {
  suite: string;
  metrics: Metric[];
}

/** A metric from two values, or from each round's values (their medians, the rounds kept for the plot). */
export function metric(name: string, unit: string, baseline: string, baselineValue: number | number[], ferry: number | number[], higherIsBetter: boolean): Metric {
  const b = typeof baselineValue === 'number' ? baselineValue : median(baselineValue);
  const f = typeof ferry === 'number' ? ferry : median(ferry);
  return {
    name,
    unit,
    baseline,
    baselineValue: b,
    ferry: f,
    ratio: b === 0 ? NaN : f / b,
    higherIsBetter,
    ...(Array.isArray(baselineValue) ? { baselineSamples: baselineValue } : {}),
    ...(Array.isArray(ferry) ? { ferrySamples: ferry } : {}),
  };
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

export function formatTable(r: SuiteResult): string {
  const rows = [
    ['metric', 'unit', 'baseline', 'baseline value', 'Ferry value', 'ratio', 'better'],
    ...r.metrics.map((m) => [m.name, m.unit, m.baseline, fmt(m.baselineValue), fmt(m.ferry), `${m.ratio.toFixed(2)}x`, m.higherIsBetter ? 'higher' : 'lower']),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => (i >= 3 && i <= 5 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  return [`suite ${r.suite}`, line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Values measured per datapath and metric, over rounds; each one logged as it comes. */
export class Samples {
  private readonly values = new Map<string, Map<string, number[]>>();

  constructor(private readonly log: (line: string) => void) {}

  record(label: string, name: string, v: number): void {
    const byName = this.values.get(label) ?? new Map<string, number[]>();
    this.values.set(label, byName);
    byName.set(name, [...(byName.get(name) ?? []), v]);
    this.log(`  ${label.padEnd(18)} ${name.padEnd(24)} ${v.toFixed(name.includes('gbps') ? 2 : 0)}`);
  }

  get(label: string, name: string): number[] | undefined {
    return this.values.get(label)?.get(name);
  }
}
