import { describe, expect, it } from 'vitest';
import * as generated from '../../src/dataplane/generated/names';
import { loadNative } from '../../src/dataplane/native';

/**
 * The names both languages need have one source, the X-macros of native/:
 * the addon exports them, a build step writes them into TypeScript. This
 * fails if the two ever differ (an addon rebuilt without regenerating, or a
 * hand edit of the generated file).
 */
describe('names shared by C++ and TypeScript', () => {
  const names = loadNative().names;
  const list = (items: { name: string }[]) => items.map((i) => i.name);

  it('drop reasons, error codes, port roles, outcomes and timeouts are the addon\'s', () => {
    expect(generated.DROP_REASONS).toEqual(list(names.dropReasons));
    expect(generated.ERROR_CODES).toEqual(list(names.errorCodes));
    expect(generated.PORT_ROLES).toEqual(list(names.portRoles));
    expect(generated.BRIDGE_OUTCOMES).toEqual(list(names.bridgeOutcomes));
    expect(generated.CONNTRACK_COUNTERS).toEqual(list(names.conntrackCounters));
    expect(generated.CONNTRACK_TIMEOUTS).toEqual(list(names.conntrackTimeouts));
    expect(Object.fromEntries(Object.entries(generated.STAGE_COUNTERS).map(([k, v]) => [k, [...v]]))).toEqual(
      Object.fromEntries(Object.entries(names.stageCounters).map(([k, v]) => [k, list(v)])),
    );
    expect(generated.NATIVE_CONSTANTS).toEqual(names.constants);
  });

  it('every name has a sentence for people', () => {
    for (const group of [names.dropReasons, names.errorCodes, names.portRoles, names.bridgeOutcomes, names.conntrackCounters, ...Object.values(names.stageCounters)])
      for (const item of group) expect(item.help.length, item.name).toBeGreaterThan(5);
  });

  it('what stats() returns uses exactly these names', async () => {
    const { Engine } = await import('../../src/dataplane');
    const e = new Engine();
    try {
      const s = e.stats();
      expect(Object.keys(s.stages)).toEqual(Object.keys(generated.STAGE_COUNTERS));
      for (const [stage, counters] of Object.entries(generated.STAGE_COUNTERS))
        expect(Object.keys(s.stages[stage as keyof typeof s.stages]).filter((k) => !['packets', 'batches', 'nsPerPacket'].includes(k))).toEqual([...counters]);
      expect(Object.keys(s.conntrack).slice(0, generated.CONNTRACK_COUNTERS.length)).toEqual([...generated.CONNTRACK_COUNTERS]);
    } finally {
      e.shutdown();
    }
  });
});
