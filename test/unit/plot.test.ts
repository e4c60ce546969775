import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { plotSvg } from '../../bench/lib/plot';
import { metric } from '../../bench/lib/report';

/** The bench's SVG picture (bench/lib/plot.ts): well-formed, one panel per metric, spread where rounds were kept. */
describe('bench plot', () => {
  const result = {
    suite: 'overlay',
    metrics: [metric('tcp_gbps', 'Gbit/s', 'kernel-vxlan', [10.2, 11.0, 11.9], [3.6, 3.74, 3.9], true), metric('conntrack_mb', 'MB', 'budget <256>', 256, 169, false)],
  };
  const svg = plotSvg(result);

  it('is well-formed XML (read back by an XML parser)', () => {
    // Python's expat, from Debian's python3: a parser independent of the writer.
    const count = execFileSync('/usr/bin/python3', ['-c', 'import sys, xml.dom.minidom as m; d = m.parseString(sys.stdin.read()); print(len(d.getElementsByTagName("rect")))'], { input: svg, encoding: 'utf8' });
    expect(Number(count)).toBe(1 + 2 * 2); // the background, and two bars per metric
  });

  it('draws each metric on its own scale, labelled with medians, ratio and direction, names escaped', () => {
    expect(svg).toContain('tcp_gbps (Gbit/s): Ferry 0.34× kernel-vxlan, higher is better');
    expect(svg).toContain('conntrack_mb (MB): Ferry 0.66× budget &lt;256&gt;, lower is better');
    expect(svg).toMatch(/>11\.0</); // the baseline's median
    expect(svg).toMatch(/>3\.74</);
    expect(svg).toContain('whiskers from the lowest to the highest of 3 rounds');
    // Whiskers only where rounds were kept: two for the first metric, none for the second.
    expect(svg.match(/class="spread"/g)).toHaveLength(2);
  });
});
