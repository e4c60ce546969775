import type { ConntrackEntry, ConntrackTuple } from '../../dataplane';

/** One line per flow, in the layout of conntrack-tools' `conntrack -L`. */
export function formatConntrack(entries: ConntrackEntry[]): string {
  const tuple = (t: ConntrackTuple) => `src=${t.src} dst=${t.dst} ${t.id !== undefined ? `id=${t.id}` : `sport=${t.sport} dport=${t.dport}`} packets=${t.packets}`;
  const lines = entries.map((e) =>
    [e.protocol.padEnd(8), String(e.protonum).padEnd(2), e.timeout, e.state, tuple(e.original), e.replied ? undefined : '[UNREPLIED]', tuple(e.reply), e.assured ? '[ASSURED]' : undefined]
      .filter((f) => f !== undefined)
      .join(' '),
  );
  return `${lines.join('\n')}${lines.length ? '\n' : ''}conntrack: ${entries.length} flow entries have been shown.`;
}
