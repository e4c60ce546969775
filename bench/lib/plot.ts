import type { Metric, SuiteResult } from './report';

/**
 * A suite's result as an SVG picture (`npm run bench -- SUITE --plot FILE`):
 * one panel per metric, the baseline's bar above Ferry's on the metric's own
 * scale (metrics have different units), each labelled with its median and,
 * where the suite kept each round's values, a whisker from the lowest to the
 * highest round. The title says which way is better and the ratio. Rates and
 * costs alike: a cost metric (CPU ns per KB or per packet, µs) reads "lower
 * is better". Plain SVG 1.1, no script, no external font: it shows in a
 * browser, in GitHub's README, and in an image viewer.
 */
const WIDTH = 760;
const LABEL = 170; // room for the datapath names, left of the bars
const BAR = 16;
const PANEL = 2 * BAR + 44;
const PAD = 12;
const COLORS = { baseline: '#8c8c8c', ferry: '#1f6fb4' };

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}

function panel(m: Metric, y: number): string {
  const rows = [
    { name: m.baseline, value: m.baselineValue, samples: m.baselineSamples, color: COLORS.baseline },
    { name: 'Ferry', value: m.ferry, samples: m.ferrySamples, color: COLORS.ferry },
  ];
  const top = Math.max(...rows.flatMap((r) => [r.value, ...(r.samples ?? [])]).filter(Number.isFinite), 1e-9);
  const span = WIDTH - LABEL - 2 * PAD - 70; // room right of the longest bar for its label
  const x = (v: number) => LABEL + (Number.isFinite(v) ? (Math.max(v, 0) / top) * span : 0);
  const better = m.higherIsBetter ? 'higher is better' : 'lower is better';
  const out = [`<text x="${PAD}" y="${y + 14}" class="title">${esc(m.name)} (${esc(m.unit)}): Ferry ${m.ratio.toFixed(2)}× ${esc(m.baseline)}, ${better}</text>`];
  rows.forEach((r, i) => {
    const top = y + 22 + i * (BAR + 4);
    const end = x(r.value);
    out.push(`<text x="${LABEL - 6}" y="${top + BAR - 4}" class="name">${esc(r.name)}</text>`);
    out.push(`<rect x="${LABEL}" y="${top}" width="${(end - LABEL).toFixed(1)}" height="${BAR}" fill="${r.color}"/>`);
    if (r.samples && r.samples.length > 1) {
      const lo = x(Math.min(...r.samples));
      const hi = x(Math.max(...r.samples));
      const mid = top + BAR / 2;
      out.push(`<path d="M${lo.toFixed(1)} ${mid}H${hi.toFixed(1)}M${lo.toFixed(1)} ${mid - 4}V${mid + 4}M${hi.toFixed(1)} ${mid - 4}V${mid + 4}" class="spread"/>`);
    }
    out.push(`<text x="${(Math.max(end, r.samples ? x(Math.max(...r.samples)) : end) + 6).toFixed(1)}" y="${top + BAR - 4}" class="value">${esc(fmt(r.value))}</text>`);
  });
  return out.join('\n');
}

export function plotSvg(r: SuiteResult): string {
  const height = 2 * PAD + 24 + r.metrics.length * PANEL;
  const rounds = Math.max(0, ...r.metrics.map((m) => m.ferrySamples?.length ?? 0));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif" font-size="12">`,
    '<style>.title{font-weight:bold}.name{text-anchor:end}.value{fill:#333}.spread{stroke:#000;stroke-width:1.2;fill:none}</style>',
    `<rect width="${WIDTH}" height="${height}" fill="#fff"/>`,
    `<text x="${PAD}" y="${PAD + 12}" font-size="14" class="title">Suite ${esc(r.suite)}: medians${rounds > 1 ? `, whiskers from the lowest to the highest of ${rounds} rounds` : ''}</text>`,
    ...r.metrics.map((m, i) => panel(m, PAD + 24 + i * PANEL)),
    '</svg>',
    '',
  ].join('\n');
}
