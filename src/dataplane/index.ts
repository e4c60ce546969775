export * from './engine';
export * from './errors';
export type { BridgeOutcomes, DropReason, MacEntry, NativePortStats, NativeStats, VnetHeader } from './native';
export * from './packet-socket';
