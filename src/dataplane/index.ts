export * from './engine';
export * from './errors';
export type {
  BridgeOutcomes,
  ConntrackEntry,
  ConntrackTuple,
  ConntrackTimeouts,
  DropReason,
  MacEntry,
  NativePortStats,
  NativeStats,
  NetworkRouting,
  PublishedPort,
  RouterStats,
  UplinkOptions,
  VnetHeader,
} from './native';
export * from './packet-socket';
