import type { DomainOptions, Engine, TapPort } from '../dataplane';
import type { MacEntry } from '../dataplane/native';

/**
 * One bridge domain of the engine: a learning switch whose ports see each
 * other and nothing else. A thin handle over the engine's control calls, so
 * callers write `domain.addTap(...)` instead of passing the id around.
 */
export class BridgeDomain {
  readonly id: number;

  constructor(
    private readonly engine: Engine,
    opts: DomainOptions = {},
  ) {
    this.id = engine.createDomain(opts);
  }

  addTap(name: string, netnsPath?: string, txQueueLen?: number): TapPort {
    return this.engine.addTapPort({ name, netns: netnsPath, domain: this.id, txQueueLen });
  }
  addStaticMac(mac: string, port: number): void {
    this.engine.addStaticMac(this.id, mac, port);
  }
  removeMac(mac: string): boolean {
    return this.engine.removeMac(this.id, mac);
  }
  configure(opts: DomainOptions): void {
    this.engine.configureDomain(this.id, opts);
  }
  macTable(): MacEntry[] {
    return this.engine.macTable(this.id);
  }
  /** This domain's bridge outcomes (learned, flooded, ...). */
  outcomes() {
    const d = this.engine.stats().domains.find((x) => x.id === this.id);
    if (!d) throw new Error(`bridge domain ${this.id} no longer exists`);
    return d.bridge;
  }
  remove(): void {
    this.engine.removeDomain(this.id);
  }
}
