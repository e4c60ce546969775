import type { Metric } from '../lib/report';

export interface SuiteContext {
  /** Unique name prefix for every kernel object the suite makes. */
  prefix: string;
  seconds: number;
  /** How long a soak runs. */
  minutes: number;
  rounds: number;
  attachSamples: number;
  tmpDir: string;
  /** Another Ferry build (its ferry_native.node) measured beside this one as datapath `ferry-baseline`. */
  baselineBuild?: string;
  log(line: string): void;
}

export type Suite = (ctx: SuiteContext) => Promise<Metric[]>;
